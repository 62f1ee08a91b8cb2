import type { AlarmState } from '../../alarms/requests/alarm-event';
import { canaryName } from '../domain/names';
import { describeStep, isOurs, sameJson, stepsOf } from '../domain/rollout';
import { paused } from '../domain/transitions';
import type { CanaryRollout, CanaryStep } from '../domain/types';
import type { DeploymentView } from '../ports/workloads';
import { assertUnchanged, type RolloutDeps, saveRollout } from '../rollout-deps';
import {
  ALB_APPLY_SECONDS,
  ALB_POLL_SECONDS,
  type AlbRoute,
  canaryReplicas,
  canarySelected,
  ensureSelector,
  healthyTargets,
  readTraffic,
  shiftTo,
  stablePinned,
  type TrafficState,
} from './alb-traffic';
import { analysisStep } from './metric-steps';
import { again, finished, type PassResult } from './pass-result';
import { ownedBy } from './rollout-ownership';
import {
  advance,
  createNewVersion,
  finishPromotion,
  followExternalScale,
  pausedForExternalChange,
  rolledOut,
  rollNewTemplateOnto,
  stepBoundary,
  waitForPods,
} from './rollout-steps';

/**
 * A canary pass with ALB traffic routing: weights are exact on the load balancer, whatever the replica counts, and a
 * step is done only when the load balancer shows its weight (read back from ELBv2). Stable keeps its N replicas
 * throughout; the canary is sized by `setCanaryScale` (default: its weight's share of N).
 *   Steps:     Services pinned (stable's to its ReplicaSet, the canary's to the new revision), then per weight: the
 *              canary's pods and healthy targets first, then the weight; a lower weight goes before the pods.
 *   Promoting: the canary grows to N and takes all the traffic; the stable Deployment rolls to the new template
 *              with no weight on it; its Service follows the new pods; traffic goes back to it; the canary goes.
 */
export async function albCanaryPass(
  deps: RolloutDeps,
  current: CanaryRollout,
  route: AlbRoute,
  stable: DeploymentView,
  states: Record<string, AlarmState>,
  startPromotion: (deps: RolloutDeps, r: CanaryRollout) => Promise<PassResult>,
  pauseStep: (
    deps: RolloutDeps,
    r: CanaryRollout,
    step: Extract<CanaryStep, { pause: unknown }>,
    states: Record<string, AlarmState>,
  ) => Promise<PassResult>,
): Promise<PassResult> {
  if (current.phase === 'Promoting') return albPromotion(deps, current, route, stable);
  if (!sameJson(stable.template, current.stable.template)) {
    return pausedForExternalChange(deps, current, `the pod template of ${current.deployment}`);
  }
  const r = (await followExternalScale(deps, current, stable)) as CanaryRollout;
  const traffic = await readTraffic(deps, r, route);
  if ('missing' in traffic) return pausedForExternalChange(deps, r, traffic.missing);
  // Before any canary pod exists: stable's target group holds stable's pods only, the canary's the new version's.
  const pinned =
    (await ensureSelector(deps, r, route.stableService, stablePinned(r, r.stable.podTemplateHash))) ||
    (await ensureSelector(deps, r, route.canaryService, canarySelected(r)));
  if (pinned) return again(r, 0);
  const step = stepsOf(r)[r.currentStepIndex];
  if (r.promoteRequest === 'full' || !step) return startPromotion(deps, r);
  if ('setWeight' in step) return setAlbWeight(deps, r, route, traffic, step.setWeight, states);
  if ('setCanaryScale' in step) {
    const scaled = { ...r, canaryScale: step.setCanaryScale };
    await sizeCanary(deps, scaled, canaryReplicas(r.stable.replicas, r.weights.canary, step.setCanaryScale));
    return advance(deps, scaled, `${describeStep(step)} done`);
  }
  if ('pause' in step) return pauseStep(deps, r, step, states);
  return analysisStep(deps, r, step, states);
}

async function setAlbWeight(
  deps: RolloutDeps,
  r: CanaryRollout,
  route: AlbRoute,
  traffic: TrafficState,
  weight: number,
  states: Record<string, AlarmState>,
): Promise<PassResult> {
  const size = canaryReplicas(r.stable.replicas, weight, r.canaryScale);
  const canary = await deps.workloads.getDeployment(r.cluster, r.namespace, canaryName(r.deployment));
  if (canary && !ownedBy(r, canary))
    return pausedForExternalChange(deps, r, `Deployment ${canaryName(r.deployment)} is not this rollout's`);
  const what = `setWeight ${weight}`;
  // Growing, the canary gets its pods before its weight; shrinking, its pods go after its weight has.
  const lowering = weight < (traffic.lbCanary ?? 0);
  const created = await sizeCanary(deps, r, lowering ? Math.max(size, canary?.replicas ?? 0) : size, canary);
  if (created) return again(r, 0, 'pods');
  if (weight > 0) {
    if ((canary?.status.readyReplicas ?? 0) < size) return waitForPods(deps, r, r, `canary pods for ${what}`);
    if ((await healthyTargets(deps, r, route, traffic, route.canaryService)) < 1)
      return waitForPods(deps, r, r, `healthy targets in the target group of ${route.canaryService} for ${what}`);
  }
  const shifted = await shiftTo(deps, r, route, traffic, weight);
  if (shifted !== 'verified') return awaitController(deps, r, weight, shifted, notApplied(route, traffic, weight));
  if (canary && canary.replicas > size) await sizeCanary(deps, r, size, canary);
  return stepBoundary(deps, { ...r, weights: { canary: weight, stable: 100 - weight } }, states);
}

/**
 * The Ingress asks for a weight the load balancer does not show yet: wait for the controller, and pause with that
 * reason once it has had ALB_APPLY_SECONDS (a promote starts the wait again; an abort goes back to stable).
 */
async function awaitController(
  deps: RolloutDeps,
  r: CanaryRollout,
  weight: number,
  shifted: 'written' | 'waiting',
  pauseMessage: string,
): Promise<PassResult> {
  const now = deps.now();
  const asked = r.albWrite?.canary === weight ? r.albWrite : undefined;
  if (shifted === 'written' || !asked || (r.promoteRequest && r.status === 'Progressing' && overdue(asked.at, now))) {
    const saved = await saveRollout(deps, r, {
      ...r,
      albWrite: { canary: weight, at: now.toISOString() },
      updatedAt: now.toISOString(),
    });
    return again(saved, ALB_POLL_SECONDS, 'pods');
  }
  if (!overdue(asked.at, now)) return again(r, ALB_POLL_SECONDS, 'pods');
  if (r.status === 'Paused') return finished(r);
  return finished(
    await saveRollout(deps, r, paused(r, now, 'TrafficNotApplied', pauseMessage, { stepIndex: r.currentStepIndex })),
  );
}

/** Why the rollout pauses when the load balancer has not shown the weight in time: what it shows instead. */
function notApplied(route: AlbRoute, traffic: TrafficState, weight: number): string {
  const shows =
    traffic.lbCanary === undefined ? 'no rule for these Services yet' : `${traffic.lbCanary}% to the canary`;
  return `the load balancer of Ingress ${route.routing.ingress} does not forward ${weight}% to ${route.canaryService} ${ALB_APPLY_SECONDS}s after the Ingress asked for it (it shows ${shows}): is the AWS Load Balancer Controller running? Promote to wait again, or abort`;
}

function overdue(at: string, now: Date): boolean {
  return now.getTime() - Date.parse(at) > ALB_APPLY_SECONDS * 1000;
}

/**
 * Promotion behind the ALB, one safe move per pass, each found from the cluster and the load balancer (a crash
 * anywhere repeats nothing): the canary at N and healthy → all traffic on it → stable rolls to the new template
 * (no weight on it) → stable's Service on the new pods, healthy → all traffic back on stable → selectors as they
 * were → the canary goes. Waits are bounded by the progress deadline (then it rolls back).
 */
async function albPromotion(
  deps: RolloutDeps,
  r: CanaryRollout,
  route: AlbRoute,
  stable: DeploymentView,
): Promise<PassResult> {
  const N = r.stable.replicas;
  const traffic = await readTraffic(deps, r, route);
  if ('missing' in traffic) return pausedForExternalChange(deps, r, traffic.missing);
  if (!isOurs(r, stable.template) && (traffic.lbStable ?? 100) > 0) {
    // Everything onto the canary first: stable's pods are about to be replaced.
    const canary = await deps.workloads.getDeployment(r.cluster, r.namespace, canaryName(r.deployment));
    if ((await sizeCanary(deps, r, N, canary)) || (canary?.status.readyReplicas ?? 0) < N)
      return waitForPods(deps, r, r, `the canary on all ${N} replicas`);
    if ((await healthyTargets(deps, r, route, traffic, route.canaryService)) < N)
      return waitForPods(deps, r, r, `${N} healthy targets for ${route.canaryService}`);
    if ((await shiftTo(deps, r, route, traffic, 100)) !== 'verified')
      return waitForPods(deps, r, r, `the load balancer to forward everything to ${route.canaryService}`);
  }
  if (!isOurs(r, stable.template) || !rolledOut(stable, N)) {
    const rolling = await rollNewTemplateOnto(deps, r, stable);
    if (rolling) return rolling;
  }
  if ((traffic.lbStable ?? 0) < 100) {
    const hash = await deps.workloads.currentPodTemplateHash(r.cluster, r.namespace, stable);
    if (!hash) return waitForPods(deps, r, r, `${r.deployment} to roll out the new version`);
    if (await ensureSelector(deps, r, route.stableService, stablePinned(r, hash)))
      return again(r, ALB_POLL_SECONDS, 'pods');
    if ((await healthyTargets(deps, r, route, traffic, route.stableService)) < N)
      return waitForPods(deps, r, r, `${N} healthy targets for ${route.stableService} on the new version`);
    if ((await shiftTo(deps, r, route, traffic, 0)) !== 'verified')
      return waitForPods(deps, r, r, `the load balancer to forward everything to ${route.stableService}`);
  }
  // Weight is off the canary: the Services go back to what they selected, then the canary's pods go.
  await ensureSelector(deps, r, route.stableService, r.stable.stableServiceSelector ?? {});
  await ensureSelector(deps, r, route.canaryService, r.stable.canaryServiceSelector ?? {});
  const message = `${r.deployment} runs the new version on all ${N} replicas and the load balancer sends it 100% through ${route.stableService}; canary removed`;
  return finishPromotion(deps, r, message);
}

/**
 * The canary Deployment at `replicas` (created when missing and wanted). Returns true when it was created just now.
 */
async function sizeCanary(
  deps: RolloutDeps,
  r: CanaryRollout,
  replicas: number,
  seen?: DeploymentView,
): Promise<boolean> {
  const name = canaryName(r.deployment);
  const canary = seen ?? (await deps.workloads.getDeployment(r.cluster, r.namespace, name));
  if (!canary) {
    if (replicas === 0) return false;
    const stable = await deps.workloads.getDeployment(r.cluster, r.namespace, r.deployment);
    if (!stable) return false;
    await createNewVersion(deps, r, stable, name, replicas);
    return true;
  }
  if (ownedBy(r, canary) && canary.replicas !== replicas) {
    // Adding capacity to the new version: only while the record is still the one this pass decided from.
    if (canary.replicas < replicas) await assertUnchanged(deps, r);
    await deps.workloads.setReplicas(r.cluster, r.namespace, canary, replicas);
  }
  return false;
}
