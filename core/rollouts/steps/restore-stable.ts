import { canaryReplicasWhileStableRecovers } from '../domain/canary-math';
import { canaryName, greenName, POD_TEMPLATE_HASH_LABEL, VERSION_LABEL } from '../domain/names';
import { isOurs, sameLabels } from '../domain/rollout';
import { type BlueGreenRollout, isBlueGreen, type Rollout } from '../domain/types';
import type { DeploymentView, ServiceView, Workloads } from '../ports/workloads';
import { restoreAlbCanary } from './alb-restore';
import { albRouteOf } from './alb-traffic';
import type { RestoreDeps, RestoreProgress } from './restore-progress';
import { ownedBy, replicasNote } from './rollout-ownership';

export type { RestoreDeps, RestoreProgress } from './restore-progress';

/**
 * One step of putting traffic back on stable, safe to repeat and to interleave with anything: each call reads the
 * cluster and makes the next safe move. It never lets Ready pods drop below N: stable scales up first, and canary
 * pods go only as stable pods become Ready to replace them; blue-green switches back only to a Ready blue.
 * Nothing that is not this rollout's is deleted, and a template someone else put on stable is kept.
 */
export async function restoreStep(deps: RestoreDeps, r: Rollout): Promise<RestoreProgress> {
  const { workloads } = deps;
  const stable = await workloads.getDeployment(r.cluster, r.namespace, r.deployment);
  if (!stable) return { done: true, note: `Deployment ${r.deployment} no longer exists: nothing to restore` };
  const route = r.strategy === 'canary' ? albRouteOf(r) : undefined;
  if (route && r.strategy === 'canary') return restoreAlbCanary(deps, r, route, stable);
  const N = r.stable.replicas;
  if (isOurs(r, stable.template)) {
    // Only a template this rollout wrote (promotion) is reverted; the Deployment rolls back within its own maxUnavailable.
    await workloads.setTemplate(r.cluster, r.namespace, stable, r.stable.template, N, replicasNote(r, N));
    return { done: false, note: `${r.deployment} rolling back to the stable template` };
  }
  if (stable.replicas !== N) {
    await workloads.setReplicas(r.cluster, r.namespace, stable, N, replicasNote(r, N));
    return { done: false, note: `${r.deployment} scaling back to ${N}` };
  }
  return isBlueGreen(r) ? restoreBlueGreen(workloads, r, stable) : restoreCanary(workloads, r, stable);
}

async function restoreCanary(workloads: Workloads, r: Rollout, stable: DeploymentView): Promise<RestoreProgress> {
  const name = canaryName(r.deployment);
  const canary = await workloads.getDeployment(r.cluster, r.namespace, name);
  const stableReady = stable.status.readyReplicas;
  if (canary && ownedBy(r, canary)) {
    const keep = canaryReplicasWhileStableRecovers(r.stable.replicas, stableReady, canary.replicas);
    if (keep > 0) {
      if (keep < canary.replicas) await workloads.setReplicas(r.cluster, r.namespace, canary, keep);
      return { done: false, note: `${stableReady}/${r.stable.replicas} stable pods Ready; ${keep} canary pods kept` };
    }
    await workloads.deleteDeployment(r.cluster, r.namespace, canary);
  }
  const left = canary && !ownedBy(r, canary) ? `; ${name} is not this rollout's and was left alone` : '';
  if (stableReady < r.stable.replicas) {
    return { done: false, note: `${stableReady}/${r.stable.replicas} stable pods Ready${left}` };
  }
  return { done: true, note: `stable serves on all ${r.stable.replicas} replicas${left}` };
}

async function restoreBlueGreen(
  workloads: Workloads,
  r: BlueGreenRollout,
  blue: DeploymentView,
): Promise<RestoreProgress> {
  const bg = r.request.blueGreen;
  const { cluster, namespace } = r;
  const original = r.stable.activeSelector ?? {};
  const pinned = pinnedSelector(r);
  const blueReady = blue.status.readyReplicas >= r.stable.replicas;
  const active = await workloads.getService(cluster, namespace, bg.activeService);
  const onBlue = !active || sameLabels(active.selector, pinned) || sameLabels(active.selector, original);
  if (active && !onBlue) {
    if (!sameLabels(active.selector, greenSelector(r))) {
      return {
        done: false,
        note: `${bg.activeService} selects ${JSON.stringify(active.selector)}, set by someone else`,
      };
    }
    if (!blueReady) return { done: false, note: `${blue.status.readyReplicas}/${r.stable.replicas} blue pods Ready` };
    await workloads.setServiceSelector(cluster, namespace, active, pinned);
    return { done: false, note: `${bg.activeService} back on blue` };
  }
  if (bg.previewService && r.stable.previewSelector) {
    const preview = await workloads.getService(cluster, namespace, bg.previewService);
    if (preview && sameLabels(preview.selector, { ...r.stable.previewSelector, ...greenSelector(r) })) {
      await workloads.setServiceSelector(cluster, namespace, preview, r.stable.previewSelector);
    }
  }
  const green = await workloads.getDeployment(cluster, namespace, greenName(r.deployment));
  if (green && ownedBy(r, green)) await workloads.deleteDeployment(cluster, namespace, green);
  // Unpinned only once green is gone: the original selector would match green's pods too.
  if (active && !sameLabels(active.selector, original)) await unpin(workloads, r, active);
  if (!blueReady) return { done: false, note: `${blue.status.readyReplicas}/${r.stable.replicas} blue pods Ready` };
  return { done: true, note: `${bg.activeService} selects blue, which serves on all ${r.stable.replicas} replicas` };
}

async function unpin(workloads: Workloads, r: Rollout, active: ServiceView): Promise<void> {
  await workloads.setServiceSelector(r.cluster, r.namespace, active, r.stable.activeSelector ?? {});
}

/** The active Service's selector while the rollout runs: the user's, narrowed to blue's ReplicaSet. */
export function pinnedSelector(r: Rollout): Record<string, string> {
  const hash = r.stable.podTemplateHash;
  return { ...r.stable.activeSelector, ...(hash ? { [POD_TEMPLATE_HASH_LABEL]: hash } : {}) };
}

/** The selector that sends a Service's traffic to green. */
export function greenSelector(r: Rollout): Record<string, string> {
  return { ...r.stable.activeSelector, [VERSION_LABEL]: r.revision };
}
