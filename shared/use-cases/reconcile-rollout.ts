import { judgeAlarms } from '../domain/rollout/analysis';
import { canarySplit, stableReplicasWhileCanaryStarts, trafficWeights } from '../domain/rollout/canary-math';
import { parseDuration } from '../domain/rollout/duration';
import { analysisOf, describeStep, stepsOf, withHistory } from '../domain/rollout/rollout';
import { REVISION_LABEL, VERSION_LABEL, type Rollout } from '../domain/rollout/types';
import { NotFoundError, TransientError, VersionConflictError } from '../errors';
import type { DeploymentView } from '../ports/workloads';
import type { AlarmState } from '../validation/alarm-event';
import { alarmsOf } from '../validation/rollout-request';
import { abortNow, canaryName, ensureSelector, greenName, restoreStable, revisionLabel } from './abort-rollout';
import { saveRollout, type RolloutDeps, type RolloutRunInput } from './rollout-deps';

/** What the workflow's Choice/Wait read after each pass. */
export interface PassResult {
  done: boolean;
  waitSeconds: number;
  status: Rollout['status'];
}

/** Poll while pods start: short, because a step is only as fast as the pass that notices it. */
const POD_POLL_SECONDS = 2;

/**
 * One reconcile pass (Argo Rollouts' shape): read the rollout and the cluster, make one step of
 * progress, save. Idempotent: re-running a pass after a crash repeats no effect, and a pass that lost
 * a race with an abort or a promote re-reads and decides again.
 */
export async function reconcileRollout(deps: RolloutDeps, input: RolloutRunInput): Promise<PassResult> {
  let conflicts = 0;
  // A step that completes asks for no wait: go straight on in this same task instead of paying a
  // Choice + Wait + Task round trip (three billed transitions) for it.
  for (let steps = 0; steps < MAX_STEPS_PER_TASK; ) {
    const r = await deps.rollouts.get(input.rolloutId);
    if (!r) throw new NotFoundError(`rollout ${input.rolloutId} not found`);
    let result: PassResult;
    try {
      result = await pass(deps, r, input.run);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      if (++conflicts >= 5)
        throw new TransientError(`rollout ${input.rolloutId}: too many concurrent writers`, { cause: error });
      continue; // someone else wrote (an abort, a promote): decide again from what they wrote
    }
    if (result.done || result.waitSeconds > 0) return result;
    steps++;
  }
  return { done: false, waitSeconds: 0, status: (await deps.rollouts.get(input.rolloutId))?.status ?? 'Progressing' };
}

/** Bounds the work of one task invocation (Lambda timeout), however many steps complete at once. */
const MAX_STEPS_PER_TASK = 10;

async function pass(deps: RolloutDeps, r: Rollout, run: number): Promise<PassResult> {
  if (r.status === 'Aborted') {
    await restoreStable(deps.workloads, r); // re-assert: an earlier pass may have raced the abort
    return finished(r);
  }
  if (r.status === 'Promoted' || r.status === 'Failed' || run !== r.run) return finished(r);
  if (r.status === 'Paused' && !r.pause?.until && !r.promoteRequest) return finished(r);

  const alarmNames = alarmsOf(r.request).all;
  const states = alarmNames.length ? await deps.alarms.states(alarmNames) : {};
  const firing = r.alarms.find((a) => states[a] === 'ALARM');
  if (firing) return finished(await abortNow(deps, r, `alarm ${firing} is in ALARM`, firing));

  return r.strategy === 'canary' ? canaryPass(deps, r, states) : blueGreenPass(deps, r, states);
}

// ---------------------------------------------------------------- canary

async function canaryPass(deps: RolloutDeps, r: Rollout, states: Record<string, AlarmState>): Promise<PassResult> {
  const now = deps.now();
  const steps = stepsOf(r);
  const stable = await requireStable(deps, r);
  if (!stable) return finished(await failed(deps, r, `Deployment ${r.namespace}/${r.deployment} disappeared`));

  if (r.phase === 'Promoting') return canaryPromotion(deps, r, stable);
  if (r.promoteRequest === 'full' || r.currentStepIndex >= steps.length) {
    const how = r.promoteRequest === 'full' ? 'promoted in full by request' : 'all steps passed';
    const next = {
      ...withHistory(r, now, 'Promoting', `${how}: moving the new version onto ${r.deployment}`),
      phase: 'Promoting' as const,
      status: 'Progressing' as const,
      pause: undefined,
      promoteRequest: undefined,
      currentStepIndex: steps.length,
      stepStartedAt: now.toISOString(),
    };
    await saveRollout(deps, r, next);
    return again(next, 0);
  }

  const step = steps[r.currentStepIndex];
  if ('setWeight' in step) {
    const N = r.stable.replicas;
    const split = canarySplit(N, step.setWeight);
    const name = canaryName(r.deployment);
    const canary = await deps.workloads.getDeployment(r.cluster, r.namespace, name);
    // A canary created just now has no Ready pods yet: no need to read it back.
    if (!canary) await createNewVersion(deps, r, stable, name, split.canary);
    else if (canary.replicas !== split.canary)
      await deps.workloads.setReplicas(r.cluster, r.namespace, name, split.canary);
    const canaryReady = Math.min(canary?.status.readyReplicas ?? 0, split.canary);
    const stableTarget = stableReplicasWhileCanaryStarts(N, split, canaryReady);
    if (stable.replicas !== stableTarget)
      await deps.workloads.setReplicas(r.cluster, r.namespace, r.deployment, stableTarget);
    const weights = trafficWeights(canaryReady, N - canaryReady);
    const settled =
      canaryReady >= split.canary && stableTarget === split.stable && stable.status.replicas === split.stable;
    if (!settled) return waitForPods(deps, r, { ...r, weights }, `canary pods for ${describeStep(step)}`);
    return stepBoundary(deps, { ...r, weights }, states);
  }

  if ('pause' in step) {
    if (r.promoteRequest === 'step') return advance(deps, r, 'pause skipped by promote');
    const seconds = step.pause.duration ? parseDuration(step.pause.duration)! : undefined;
    if (!r.pause) {
      const until =
        seconds === undefined ? undefined : new Date(Date.parse(r.stepStartedAt) + seconds * 1000).toISOString();
      const paused = {
        ...withHistory(r, now, 'Paused', until ? `paused until ${until}` : 'paused until promoted', {
          stepIndex: r.currentStepIndex,
        }),
        status: 'Paused' as const,
        pause: { reason: 'Step' as const, until },
      };
      await saveRollout(deps, r, paused);
      return seconds === undefined ? finished(paused) : again(paused, remaining(now, until!));
    }
    if (r.pause.until && now.getTime() < Date.parse(r.pause.until)) return again(r, remaining(now, r.pause.until));
    return stepBoundary(deps, r, states);
  }

  // An analysis step: judge its alarms (or the guarding ones) now.
  return stepBoundary(deps, r, states, step.analysis.alarms);
}

async function canaryPromotion(deps: RolloutDeps, r: Rollout, stable: DeploymentView): Promise<PassResult> {
  const N = r.stable.replicas;
  if (revisionLabel(stable.template) !== r.revision || stable.replicas !== N) {
    await deps.workloads.setTemplate(r.cluster, r.namespace, r.deployment, r.newTemplate, N);
    return waitForPods(deps, r, r, `${r.deployment} to roll out the new version`);
  }
  if (!rolledOut(stable, N)) return waitForPods(deps, r, r, `${r.deployment} to roll out the new version`);
  await deps.workloads.deleteDeployment(r.cluster, r.namespace, canaryName(r.deployment));
  return promoted(deps, r, `${r.deployment} runs the new version on all ${N} replicas; canary removed`);
}

// ---------------------------------------------------------------- blue-green

async function blueGreenPass(deps: RolloutDeps, r: Rollout, states: Record<string, AlarmState>): Promise<PassResult> {
  const now = deps.now();
  const bg = r.request.blueGreen!;
  const N = r.stable.replicas;
  const stable = await requireStable(deps, r);
  if (!stable) return finished(await failed(deps, r, `Deployment ${r.namespace}/${r.deployment} disappeared`));
  const greenSelector = { ...r.stable.activeSelector, [VERSION_LABEL]: r.revision };

  if (r.phase === 'Preview') {
    const name = greenName(r.deployment);
    const green = await deps.workloads.getDeployment(r.cluster, r.namespace, name);
    if (!green) await createNewVersion(deps, r, stable, name, N);
    if (bg.previewService)
      await ensureSelector(deps.workloads, r, bg.previewService, { ...r.stable.previewSelector, ...greenSelector });
    if (!green || green.status.readyReplicas < N) return waitForPods(deps, r, r, `green (${name}) pods`);

    if (r.promoteRequest) return switchToGreen(deps, r, greenSelector, 'switched by promote');
    if (r.pause?.until && now.getTime() < Date.parse(r.pause.until)) return again(r, remaining(now, r.pause.until));
    const outcome = judgeAlarms(states, r.alarms, analysisOf(r).noData);
    if (outcome.result === 'fail')
      return finished(await abortNow(deps, r, `analysis failed: ${outcome.message}`, outcome.alarm));
    if (outcome.result === 'pause') return pausedForNoData(deps, r, outcome.message, outcome.alarm);
    if (bg.autoPromotionSeconds === undefined) {
      if (r.status === 'Paused') return finished(r);
      const paused = {
        ...withHistory(r, now, 'Paused', `green is Ready on ${bg.previewService ?? 'its pods'}; waiting for promote`),
        status: 'Paused' as const,
        pause: { reason: 'AwaitingPromotion' as const },
      };
      await saveRollout(deps, r, paused);
      return finished(paused);
    }
    if (!r.pause?.until && bg.autoPromotionSeconds > 0) {
      const until = new Date(now.getTime() + bg.autoPromotionSeconds * 1000).toISOString();
      const paused = {
        ...withHistory(r, now, 'Paused', `green is Ready; promoting by itself at ${until} if analysis still passes`),
        status: 'Paused' as const,
        pause: { reason: 'Step' as const, until },
      };
      await saveRollout(deps, r, paused);
      return again(paused, bg.autoPromotionSeconds);
    }
    return switchToGreen(deps, r, greenSelector, 'promoted automatically: green Ready and analysis passed');
  }

  if (r.phase === 'Switched') {
    await ensureSelector(deps.workloads, r, bg.activeService, greenSelector);
    const scaleDownAt = Date.parse(r.stepStartedAt) + bg.scaleDownDelaySeconds * 1000;
    if (now.getTime() < scaleDownAt) return again(r, remaining(now, new Date(scaleDownAt).toISOString()));
    await deps.workloads.setTemplate(r.cluster, r.namespace, r.deployment, r.newTemplate, N);
    const next = {
      ...withHistory(r, now, 'Promoting', `scale-down delay over: blue replaced by the new version in ${r.deployment}`),
      phase: 'Finalizing' as const,
      stepStartedAt: now.toISOString(),
    };
    await saveRollout(deps, r, next);
    return again(next, POD_POLL_SECONDS);
  }

  // Finalizing: the Deployment itself rolls to the new template; then green is redundant.
  if (revisionLabel(stable.template) !== r.revision)
    await deps.workloads.setTemplate(r.cluster, r.namespace, r.deployment, r.newTemplate, N);
  if (!rolledOut(stable, N)) return waitForPods(deps, r, r, `${r.deployment} to roll out the new version`);
  await deps.workloads.deleteDeployment(r.cluster, r.namespace, greenName(r.deployment));
  return promoted(deps, r, `${bg.activeService} selects the new version; blue scaled down`);
}

async function switchToGreen(
  deps: RolloutDeps,
  r: Rollout,
  selector: Record<string, string>,
  why: string,
): Promise<PassResult> {
  const now = deps.now();
  await ensureSelector(deps.workloads, r, r.request.blueGreen!.activeService, selector);
  const next: Rollout = {
    ...withHistory(
      r,
      now,
      'Switched',
      `${r.request.blueGreen!.activeService} now selects ${VERSION_LABEL}=${r.revision} (${why})`,
    ),
    phase: 'Switched',
    status: 'Progressing',
    pause: undefined,
    promoteRequest: undefined,
    stepStartedAt: now.toISOString(),
    weights: { canary: 100, stable: 0 },
  };
  await saveRollout(deps, r, next);
  return again(next, r.request.blueGreen!.scaleDownDelaySeconds);
}

// ---------------------------------------------------------------- shared steps

/** The canary or green Deployment: the new template, selected apart from stable by the revision label. */
async function createNewVersion(
  deps: RolloutDeps,
  r: Rollout,
  stable: DeploymentView,
  name: string,
  replicas: number,
): Promise<void> {
  await deps.workloads.createDeployment(r.cluster, r.namespace, {
    name,
    replicas,
    selector: { ...stable.selector, [REVISION_LABEL]: r.revision },
    template: r.newTemplate,
    labels: { 'app.kubernetes.io/managed-by': 'eksflow', 'eksflow.io/rollout': r.id },
  });
}

/** The end of a step: judge the alarms, then advance, pause for missing data, or abort. */
async function stepBoundary(
  deps: RolloutDeps,
  r: Rollout,
  states: Record<string, AlarmState>,
  stepAlarms?: string[],
): Promise<PassResult> {
  if (r.promoteRequest === 'step') return advance(deps, r, 'promoted past analysis by request');
  const outcome = judgeAlarms(states, stepAlarms ?? r.alarms, analysisOf(r).noData);
  if (outcome.result === 'fail')
    return finished(await abortNow(deps, r, `analysis failed: ${outcome.message}`, outcome.alarm));
  if (outcome.result === 'pause') {
    if (r.status === 'Paused' && r.pause?.reason === 'NoData') return finished(r);
    return pausedForNoData(deps, r, outcome.message, outcome.alarm);
  }
  return advance(deps, r, `${describeStep(stepsOf(r)[r.currentStepIndex])} done`);
}

async function advance(deps: RolloutDeps, r: Rollout, message: string): Promise<PassResult> {
  const now = deps.now();
  const index = r.currentStepIndex;
  const next: Rollout = {
    ...withHistory(r, now, 'StepCompleted', message, { stepIndex: index }),
    currentStepIndex: index + 1,
    stepStartedAt: now.toISOString(),
    status: 'Progressing',
    pause: undefined,
    promoteRequest: r.promoteRequest === 'step' ? undefined : r.promoteRequest,
  };
  await saveRollout(deps, r, next);
  return again(next, 0);
}

async function pausedForNoData(deps: RolloutDeps, r: Rollout, message: string, alarm: string): Promise<PassResult> {
  const paused: Rollout = {
    ...withHistory(r, deps.now(), 'Paused', `${message}: waiting for the alarm to report OK, or for promote`, {
      alarm,
    }),
    status: 'Paused',
    pause: { reason: 'NoData' },
  };
  await saveRollout(deps, r, paused);
  return finished(paused);
}

/** Pods not Ready yet: wait a little, unless the progress deadline has passed (then roll back). */
async function waitForPods(deps: RolloutDeps, before: Rollout, r: Rollout, what: string): Promise<PassResult> {
  const now = deps.now();
  const deadline = Date.parse(r.stepStartedAt) + r.request.progressDeadlineSeconds * 1000;
  if (now.getTime() > deadline) {
    return finished(
      await abortNow(
        deps,
        r,
        `ProgressDeadlineExceeded: ${what} not Ready within ${r.request.progressDeadlineSeconds}s`,
      ),
    );
  }
  const changed = JSON.stringify(before.weights) !== JSON.stringify(r.weights);
  const saved = changed ? await saveRollout(deps, before, { ...r, updatedAt: now.toISOString() }) : r;
  return again(saved, Math.min(POD_POLL_SECONDS, Math.max(1, Math.ceil((deadline - now.getTime()) / 1000))));
}

async function promoted(deps: RolloutDeps, r: Rollout, message: string): Promise<PassResult> {
  const now = deps.now();
  const next: Rollout = {
    ...withHistory(r, now, 'Promoted', message),
    status: 'Promoted',
    phase: 'Done',
    pause: undefined,
    promoteRequest: undefined,
    weights: { canary: 100, stable: 0 },
    finishedAt: now.toISOString(),
  };
  await saveRollout(deps, r, next);
  return finished(next);
}

async function failed(deps: RolloutDeps, r: Rollout, message: string): Promise<Rollout> {
  const now = deps.now();
  return saveRollout(deps, r, {
    ...withHistory(r, now, 'Failed', message),
    status: 'Failed',
    finishedAt: now.toISOString(),
  });
}

async function requireStable(deps: RolloutDeps, r: Rollout): Promise<DeploymentView | undefined> {
  return deps.workloads.getDeployment(r.cluster, r.namespace, r.deployment);
}

function rolledOut(d: DeploymentView, replicas: number): boolean {
  return (
    d.observedGeneration >= d.generation &&
    d.status.updatedReplicas === replicas &&
    d.status.readyReplicas === replicas &&
    d.status.availableReplicas === replicas &&
    d.status.replicas === replicas
  );
}

function remaining(now: Date, until: string): number {
  return Math.max(0, Math.ceil((Date.parse(until) - now.getTime()) / 1000));
}

function finished(r: Rollout): PassResult {
  return { done: true, waitSeconds: 0, status: r.status };
}

function again(r: Rollout, waitSeconds: number): PassResult {
  return { done: false, waitSeconds, status: r.status };
}
