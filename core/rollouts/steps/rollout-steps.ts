import type { AlarmState } from '../../alarms/requests/alarm-event';
import { judgeAlarms } from '../domain/analysis';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  newVersionName,
  REPLICAS_ANNOTATION,
  REVISION_LABEL,
  ROLLOUT_LABEL,
} from '../domain/names';
import { analysisOf, describeStep, isOurs, sameJson, stepsOf } from '../domain/rollout';
import { paused, promoted, rescaled, stepCompleted } from '../domain/transitions';
import type { Rollout } from '../domain/types';
import type { DeploymentView } from '../ports/workloads';
import { assertUnchanged, type RolloutDeps, saveRollout } from '../rollout-deps';
import { beginAbort } from './abort-steps';
import { again, finished, type PassResult, POD_POLL_SECONDS } from './pass-result';
import { ownedBy, replicasNote } from './rollout-ownership';
import { resumeAfterNoData } from './rollout-runs';

/**
 * The replica count the stable Deployment should have if nobody but this rollout changed it: what this rollout
 * last wrote (its annotation), or N as found at the start.
 */
function expectedStableReplicas(r: Rollout, stable: DeploymentView): number {
  const [replicas, revision] = (stable.annotations[REPLICAS_ANNOTATION] ?? '').split('/');
  return revision === r.revision && replicas !== '' ? Number(replicas) : r.stable.replicas;
}

/**
 * Someone else (an HPA, `kubectl scale`) set the stable Deployment's replicas: N becomes their count and the
 * pass recomputes the split from it, instead of undoing their change. Returns the rollout to go on with.
 */
export async function followExternalScale(deps: RolloutDeps, r: Rollout, stable: DeploymentView): Promise<Rollout> {
  const followed = stable.replicas === r.stable.replicas; // their count is N already (we have not rewritten it yet)
  if (followed || stable.replicas === expectedStableReplicas(r, stable) || stable.replicas < 1) return r;
  const message = `${r.deployment} was scaled to ${stable.replicas} by someone else (e.g. an HPA): the rollout now serves ${stable.replicas} replicas`;
  return saveRollout(deps, r, rescaled(r, deps.now(), stable.replicas, message));
}

/** The canary or green Deployment: the new template, selected apart from stable by the revision label. */
export async function createNewVersion(
  deps: RolloutDeps,
  r: Rollout,
  stable: DeploymentView,
  name: string,
  replicas: number,
): Promise<'created' | 'exists'> {
  await assertUnchanged(deps, r);
  return deps.workloads.createDeployment(r.cluster, r.namespace, {
    name,
    replicas,
    selector: { ...stable.selector, [REVISION_LABEL]: r.revision },
    template: r.newTemplate,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [ROLLOUT_LABEL]: r.id },
  });
}

/** Someone else changed what the rollout drives: wait for a person, overwrite nothing. */
export async function pausedForExternalChange(deps: RolloutDeps, r: Rollout, what: string): Promise<PassResult> {
  if (r.status === 'Paused' && r.pause?.reason === 'ExternalChange') return finished(r);
  const message = `${what}: changed by someone else, so eksflow overwrites nothing; abort to go back to stable as it is now, or start a new rollout`;
  return finished(await saveRollout(deps, r, paused(r, deps.now(), 'ExternalChange', message)));
}

/** The end of a step: judge the alarms, then advance, pause for missing data, or abort. */
export async function stepBoundary(
  deps: RolloutDeps,
  r: Rollout,
  states: Record<string, AlarmState>,
  stepAlarms?: string[],
): Promise<PassResult> {
  if (r.promoteRequest === 'step') return advance(deps, r, 'promoted past analysis by request');
  const outcome = judgeAlarms(states, stepAlarms ?? r.alarms, analysisOf(r).noData);
  if (outcome.result === 'fail') return beginAbort(deps, r, `analysis failed: ${outcome.message}`, outcome.alarm);
  if (outcome.result === 'pause') {
    if (r.status === 'Paused' && r.pause?.reason === 'NoData') return finished(r);
    return pausedForNoData(deps, r, outcome.message, outcome.alarm);
  }
  return advance(deps, r, `${describeStep(stepsOf(r)[r.currentStepIndex])} done`);
}

export async function advance(deps: RolloutDeps, r: Rollout, message: string): Promise<PassResult> {
  return again(await saveRollout(deps, r, stepCompleted(r, deps.now(), message)), 0);
}

export async function pausedForNoData(deps: RolloutDeps, r: Rollout, message: string, alarm: string) {
  const next = paused(r, deps.now(), 'NoData', `${message}: waiting for the alarm to report OK, or for promote`, {
    alarm,
  });
  const saved = await saveRollout(deps, r, next);
  // An OK that arrived while this pause was being saved found nothing to resume: look once more, now.
  await resumeAfterNoData(deps, saved.id, 'the alarm reports OK since the pause');
  return finished(saved);
}

/** Pods not Ready yet: wait a little, unless the progress deadline has passed (then roll back). */
export async function waitForPods(deps: RolloutDeps, before: Rollout, r: Rollout, what: string): Promise<PassResult> {
  const now = deps.now();
  const deadline = Date.parse(r.stepStartedAt) + r.request.progressDeadlineSeconds * 1000;
  if (now.getTime() > deadline) {
    const reason = `ProgressDeadlineExceeded: ${what} not Ready within ${r.request.progressDeadlineSeconds}s`;
    return beginAbort(deps, r, reason);
  }
  const changed = JSON.stringify(before.weights) !== JSON.stringify(r.weights);
  const saved = changed ? await saveRollout(deps, before, { ...r, updatedAt: now.toISOString() }) : r;
  const untilDeadline = Math.max(1, Math.ceil((deadline - now.getTime()) / 1000));
  return again(saved, Math.min(POD_POLL_SECONDS, untilDeadline), 'pods');
}

/**
 * Promotion's last move, for both strategies: the stable Deployment itself rolls to the new template on N
 * replicas (within its own maxUnavailable). Returns the wait while it rolls, undefined once it has rolled out.
 * A template on it that is neither the start's nor ours is someone else's edit and pauses the rollout.
 */
export async function rollNewTemplateOnto(
  deps: RolloutDeps,
  r: Rollout,
  stable: DeploymentView,
): Promise<PassResult | undefined> {
  const N = r.stable.replicas;
  const waitFor = `${r.deployment} to roll out the new version`;
  if (!isOurs(r, stable.template)) {
    if (!sameJson(stable.template, r.stable.template)) {
      return pausedForExternalChange(deps, r, `the pod template of ${r.deployment}`);
    }
    await deps.workloads.setTemplate(r.cluster, r.namespace, stable, r.newTemplate, N, replicasNote(r, N));
    return waitForPods(deps, r, r, waitFor);
  }
  if (stable.replicas !== N) {
    await deps.workloads.setReplicas(r.cluster, r.namespace, stable, N, replicasNote(r, N));
    return waitForPods(deps, r, r, waitFor);
  }
  return rolledOut(stable, N) ? undefined : waitForPods(deps, r, r, waitFor);
}

/** The new version's own Deployment (canary or green) is redundant once stable runs it: remove it, then Promoted. */
export async function finishPromotion(deps: RolloutDeps, r: Rollout, message: string): Promise<PassResult> {
  const newVersion = await deps.workloads.getDeployment(r.cluster, r.namespace, newVersionName(r));
  if (newVersion && ownedBy(r, newVersion)) await deps.workloads.deleteDeployment(r.cluster, r.namespace, newVersion);
  return finished(await saveRollout(deps, r, promoted(r, deps.now(), message)));
}

/** Fully rolled out: every replica updated, Ready and available, and the controller has seen the latest spec. */
export function rolledOut(d: DeploymentView, replicas: number): boolean {
  return (
    d.observedGeneration >= d.generation &&
    d.status.updatedReplicas === replicas &&
    d.status.readyReplicas === replicas &&
    d.status.availableReplicas === replicas &&
    d.status.replicas === replicas
  );
}
