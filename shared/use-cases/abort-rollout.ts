import { sameLabels, withHistory } from '../domain/rollout/rollout';
import { isActive, REVISION_LABEL, type PodTemplate, type Rollout } from '../domain/rollout/types';
import { ConflictError } from '../errors';
import type { Workloads } from '../ports/workloads';
import { saveRollout, withFreshRollout, type RolloutDeps } from './rollout-deps';

export const canaryName = (deployment: string) => `${deployment}-canary`;
export const greenName = (deployment: string) => `${deployment}-green`;

/**
 * Puts traffic back on the stable version; safe to run any number of times. The stable side is
 * restored before the new version goes, so both are never down at once:
 *   canary:     stable back to its template and N replicas, canary scaled to 0 and deleted
 *   blue-green: active (and preview) Service selectors back as they were, blue restored, green removed
 */
export async function restoreStable(workloads: Workloads, r: Rollout): Promise<void> {
  const { cluster, namespace, deployment } = r;
  const stable = await workloads.getDeployment(cluster, namespace, deployment);
  if (stable) {
    // The API adds defaults to templates, so compare the revision label we set, not the whole template.
    const templateChanged = revisionLabel(stable.template) !== revisionLabel(r.stable.template);
    if (templateChanged)
      await workloads.setTemplate(cluster, namespace, deployment, r.stable.template, r.stable.replicas);
    else if (stable.replicas !== r.stable.replicas)
      await workloads.setReplicas(cluster, namespace, deployment, r.stable.replicas);
  }
  const bg = r.request.blueGreen;
  // A Service deleted since the start is left alone: an abort must not fail on it.
  if (bg && r.stable.activeSelector)
    await ensureSelector(workloads, r, bg.activeService, r.stable.activeSelector, { skipIfMissing: true });
  if (bg?.previewService && r.stable.previewSelector)
    await ensureSelector(workloads, r, bg.previewService, r.stable.previewSelector, { skipIfMissing: true });
  const newVersion = r.strategy === 'canary' ? canaryName(deployment) : greenName(deployment);
  const running = await workloads.getDeployment(cluster, namespace, newVersion);
  if (running && running.replicas !== 0) await workloads.setReplicas(cluster, namespace, newVersion, 0);
  if (running) await workloads.deleteDeployment(cluster, namespace, newVersion);
}

/** Sets a Service's selector unless it already is exactly that (label order does not matter). */
export async function ensureSelector(
  workloads: Workloads,
  r: Rollout,
  service: string,
  selector: Record<string, string>,
  options: { skipIfMissing?: boolean } = {},
) {
  const current = await workloads.getServiceSelector(r.cluster, r.namespace, service);
  if (current === undefined && options.skipIfMissing) return;
  if (!sameLabels(current, selector)) await workloads.setServiceSelector(r.cluster, r.namespace, service, selector);
}

/** Restores stable, then records the abort. Returns the stored rollout. */
export async function abortNow(deps: RolloutDeps, r: Rollout, reason: string, alarm?: string): Promise<Rollout> {
  await restoreStable(deps.workloads, r);
  const now = deps.now();
  const aborted: Rollout = {
    ...withHistory(r, now, 'Aborted', reason, alarm ? { alarm } : {}),
    status: 'Aborted',
    pause: undefined,
    promoteRequest: undefined,
    abort: { reason, at: now.toISOString(), ...(alarm ? { alarm } : {}) },
    weights: { canary: 0, stable: 100 },
    finishedAt: now.toISOString(),
  };
  return saveRollout(deps, r, aborted);
}

/**
 * Abort by a person (`POST /rollouts/{id}/abort`) or by a firing alarm. An already aborted rollout is
 * returned as it is, so the same event delivered twice aborts once.
 */
export async function abortRollout(deps: RolloutDeps, id: string, reason: string, alarm?: string): Promise<Rollout> {
  return withFreshRollout(deps, id, async (r) => {
    if (r.status === 'Aborted') return r;
    if (!isActive(r))
      throw new ConflictError(`rollout ${id} is ${r.status}: there is nothing to abort`, {
        details: [{ field: 'id', reason: `rollout is ${r.status}` }],
      });
    if (r.phase === 'Finalizing') {
      throw new ConflictError(
        `rollout ${id} already switched and its delay passed: the new version is the stable one now`,
        { details: [{ field: 'id', reason: 'rollout is finalizing' }] },
      );
    }
    return abortNow(deps, r, reason, alarm);
  });
}

export function revisionLabel(template: PodTemplate): string | undefined {
  return template.metadata?.labels?.[REVISION_LABEL];
}
