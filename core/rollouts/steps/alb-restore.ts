import { canaryName } from '../domain/names';
import { isOurs } from '../domain/rollout';
import { ABORT_SCALE_DOWN_DELAY_SECONDS, type CanaryRollout } from '../domain/types';
import type { DeploymentView } from '../ports/workloads';
import {
  ALB_POLL_SECONDS,
  type AlbRoute,
  ensureSelector,
  healthyTargets,
  readTraffic,
  shiftTo,
  stablePinned,
} from './alb-traffic';
import type { RestoreDeps, RestoreProgress } from './restore-progress';
import { ownedBy, replicasNote } from './rollout-ownership';

/**
 * One step of an ALB canary's way back to stable, safe to repeat (each call reads the cluster and the load
 * balancer). The order keeps every request answered: stable back on its template at N and Ready; stable's Service
 * on stable's pods with healthy targets; all the weight on stable, read back from the load balancer; the canary kept
 * `abortScaleDownDelaySeconds` while its connections drain, then scaled to 0 and removed; the Services' selectors as
 * they were. If promotion had already put the new version on stable (and traffic on it), the traffic first goes
 * back to the canary, which still runs N pods, before stable's pods are replaced.
 */
export async function restoreAlbCanary(
  deps: RestoreDeps,
  r: CanaryRollout,
  route: AlbRoute,
  stable: DeploymentView,
): Promise<RestoreProgress> {
  const { workloads } = deps;
  const N = r.stable.replicas;
  const name = canaryName(r.deployment);
  const found = await workloads.getDeployment(r.cluster, r.namespace, name);
  const canary = found && ownedBy(r, found) ? found : undefined;
  const traffic = await readTraffic(deps, r, route);
  const routed = 'missing' in traffic ? undefined : traffic;
  if (isOurs(r, stable.template)) {
    if (routed && (routed.lbStable ?? 0) > 0 && canary) {
      // Stable serves the new version with weight on it: the canary takes the traffic while stable's pods change.
      if (canary.replicas < N) await workloads.setReplicas(r.cluster, r.namespace, canary, N);
      if (canary.status.readyReplicas < N) return { done: false, note: `the canary back to ${N} Ready pods` };
      if ((await shiftTo(deps, r, route, routed, 100)) !== 'verified')
        return {
          done: false,
          note: 'the load balancer to send everything to the canary',
          waitSeconds: ALB_POLL_SECONDS,
        };
    }
    await workloads.setTemplate(r.cluster, r.namespace, stable, r.stable.template, N, replicasNote(r, N));
    return { done: false, note: `${r.deployment} rolling back to the stable template` };
  }
  if (stable.replicas !== N) {
    await workloads.setReplicas(r.cluster, r.namespace, stable, N, replicasNote(r, N));
    return { done: false, note: `${r.deployment} scaling back to ${N}` };
  }
  if (stable.status.readyReplicas < N || stable.status.updatedReplicas < N)
    return { done: false, note: `${stable.status.readyReplicas}/${N} stable pods Ready` };
  if (routed) {
    if (await ensureSelector(deps, r, route.stableService, stablePinned(r, r.stable.podTemplateHash)))
      return { done: false, note: `${route.stableService} back on stable's pods` };
    if ((await healthyTargets(deps, r, route, routed, route.stableService)) < N)
      return {
        done: false,
        note: `healthy targets for ${route.stableService} on stable's pods`,
        waitSeconds: ALB_POLL_SECONDS,
      };
    if ((await shiftTo(deps, r, route, routed, 0)) !== 'verified')
      return { done: false, note: 'the load balancer to send everything to stable', waitSeconds: ALB_POLL_SECONDS };
  }
  if (canary && canary.replicas > 0) {
    const now = deps.now();
    const delay = r.request.canary.abortScaleDownDelaySeconds ?? ABORT_SCALE_DOWN_DELAY_SECONDS;
    const restoredAt = r.abort?.trafficRestoredAt;
    if (!restoredAt)
      return {
        done: false,
        note: `the load balancer sends everything to stable; the canary stays up ${delay}s while its connections drain`,
        trafficRestoredAt: now.toISOString(),
        waitSeconds: delay,
      };
    const left = Math.ceil((Date.parse(restoredAt) + delay * 1000 - now.getTime()) / 1000);
    if (left > 0) return { done: false, note: `the canary drains for ${left}s more`, waitSeconds: left };
    await workloads.setReplicas(r.cluster, r.namespace, canary, 0);
    return { done: false, note: 'the canary scaling to 0' };
  }
  // Its pods are gone: nothing of the new version is left for the Services' own selectors to find.
  if (canary && canary.status.replicas > 0) return { done: false, note: `${canary.status.replicas} canary pods going` };
  if (canary) await workloads.deleteDeployment(r.cluster, r.namespace, canary);
  await ensureSelector(deps, r, route.stableService, r.stable.stableServiceSelector ?? {});
  await ensureSelector(deps, r, route.canaryService, r.stable.canaryServiceSelector ?? {});
  const left = found && !canary ? `; ${name} is not this rollout's and was left alone` : '';
  return { done: true, note: `stable serves on all ${N} replicas and the load balancer sends it everything${left}` };
}
