import type { AlarmState } from '../../alarms/requests/alarm-event';
import { present } from '../../kernel/invariant';
import { canarySplit, stableReplicasWhileCanaryStarts, trafficWeights } from '../domain/canary-math';
import { parseDuration } from '../domain/duration';
import { canaryName } from '../domain/names';
import { describeStep, sameJson, stepsOf } from '../domain/rollout';
import { paused, promoting } from '../domain/transitions';
import type { CanaryRollout, CanaryStep, Rollout } from '../domain/types';
import type { DeploymentView } from '../ports/workloads';
import { assertUnchanged, type RolloutDeps, saveRollout } from '../rollout-deps';
import { albCanaryPass } from './alb-canary-pass';
import { albRouteOf } from './alb-traffic';
import { analysisStep } from './metric-steps';
import { again, finished, type PassResult, remaining } from './pass-result';
import { ownedBy, replicasNote } from './rollout-ownership';
import {
  advance,
  createNewVersion,
  finishPromotion,
  followExternalScale,
  pausedForExternalChange,
  rollNewTemplateOnto,
  stepBoundary,
  waitForPods,
} from './rollout-steps';

/**
 * A canary pass (Argo Rollouts' rolloutCanary shape): a list of named steps, each returning early when it has
 * something to do. The stable Deployment keeps its template until promotion; only its replicas move.
 */
export async function canaryPass(
  deps: RolloutDeps,
  current: CanaryRollout,
  stable: DeploymentView,
  states: Record<string, AlarmState>,
): Promise<PassResult> {
  const route = albRouteOf(current);
  if (route) return albCanaryPass(deps, current, route, stable, states, startPromotion, pauseStep);
  if (current.phase === 'Promoting') return canaryPromotion(deps, current, stable);
  if (!sameJson(stable.template, current.stable.template)) {
    return pausedForExternalChange(deps, current, `the pod template of ${current.deployment}`);
  }
  const r = await followExternalScale(deps, current, stable);
  const steps = stepsOf(r);
  const step = steps[r.currentStepIndex];
  // Past the last step (currentStepIndex === steps.length) promotion is next.
  if (r.promoteRequest === 'full' || !step) return startPromotion(deps, r);
  if ('setWeight' in step) return setWeight(deps, r, stable, step, states);
  if ('pause' in step) return pauseStep(deps, r, step, states);
  // Refused at validation without ALB routing: the canary's size is its weight here.
  if ('setCanaryScale' in step) return advance(deps, r, 'setCanaryScale has no effect with replicas routing');
  return analysisStep(deps, r, step, states);
}

async function startPromotion(deps: RolloutDeps, r: Rollout): Promise<PassResult> {
  const how = r.promoteRequest === 'full' ? 'promoted in full by request' : 'all steps passed';
  const next = {
    ...promoting(r, deps.now(), `${how}: moving the new version onto ${r.deployment}`, 'Promoting'),
    currentStepIndex: stepsOf(r).length,
  };
  return again(await saveRollout(deps, r, next), 0);
}

async function setWeight(
  deps: RolloutDeps,
  r: Rollout,
  stable: DeploymentView,
  step: Extract<CanaryStep, { setWeight: number }>,
  states: Record<string, AlarmState>,
): Promise<PassResult> {
  const N = r.stable.replicas;
  const split = canarySplit(N, step.setWeight);
  const name = canaryName(r.deployment);
  const canary = await deps.workloads.getDeployment(r.cluster, r.namespace, name);
  if (canary && !ownedBy(r, canary))
    return pausedForExternalChange(deps, r, `Deployment ${name} is not this rollout's`);
  // A canary created just now has no Ready pods yet: no need to read it back.
  if (!canary) {
    if ((await createNewVersion(deps, r, stable, name, split.canary)) === 'exists') return again(r, 0, 'pods');
  } else if (canary.replicas !== split.canary) {
    if (canary.replicas < split.canary) await assertUnchanged(deps, r);
    await deps.workloads.setReplicas(r.cluster, r.namespace, canary, split.canary);
  }
  const canaryReady = Math.min(canary?.status.readyReplicas ?? 0, split.canary);
  const stableTarget = stableReplicasWhileCanaryStarts(N, split, canaryReady);
  if (stable.replicas !== stableTarget) {
    await deps.workloads.setReplicas(r.cluster, r.namespace, stable, stableTarget, replicasNote(r, stableTarget));
  }
  const weights = trafficWeights(canaryReady, N - canaryReady);
  const settled =
    canaryReady >= split.canary && stableTarget === split.stable && stable.status.replicas === split.stable;
  if (!settled) return waitForPods(deps, r, { ...r, weights }, `canary pods for ${describeStep(step)}`);
  return stepBoundary(deps, { ...r, weights }, states);
}

async function pauseStep(
  deps: RolloutDeps,
  r: Rollout,
  step: Extract<CanaryStep, { pause: unknown }>,
  states: Record<string, AlarmState>,
): Promise<PassResult> {
  const now = deps.now();
  if (r.promoteRequest === 'step') return advance(deps, r, 'pause skipped by promote');
  const seconds = step.pause.duration
    ? present(parseDuration(step.pause.duration), 'a validated pause duration')
    : undefined;
  if (!r.pause) {
    const until =
      seconds === undefined ? undefined : new Date(Date.parse(r.stepStartedAt) + seconds * 1000).toISOString();
    const message = until ? `paused until ${until}` : 'paused until promoted';
    const next = await saveRollout(deps, r, paused(r, now, 'Step', message, { until, stepIndex: r.currentStepIndex }));
    return until === undefined ? finished(next) : again(next, remaining(now, until));
  }
  if (r.pause.until && now.getTime() < Date.parse(r.pause.until)) return again(r, remaining(now, r.pause.until));
  return stepBoundary(deps, r, states);
}

async function canaryPromotion(deps: RolloutDeps, r: Rollout, stable: DeploymentView): Promise<PassResult> {
  const waiting = await rollNewTemplateOnto(deps, r, stable);
  if (waiting) return waiting;
  const message = `${r.deployment} runs the new version on all ${r.stable.replicas} replicas; canary removed`;
  return finishPromotion(deps, r, message);
}
