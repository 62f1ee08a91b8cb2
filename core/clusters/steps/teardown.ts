import { ConflictError } from '../../kernel/errors';
import type { CreatedResource } from '../../operations/domain/operation';
import type { ClusterDeps } from '../cluster-deps';

/** EKS states meaning "already on its way out": asking again would only be refused. */
const GOING = ['DELETING'];

/**
 * One idempotent pass of tearing a cluster down, in EKS's order: node groups and add-ons first (EKS refuses
 * to delete a cluster that has node groups), access entries and namespaces, then the control plane.
 * `only` limits it to what one operation created (a rollback); without it, everything goes (DELETE).
 * Returns `done` once nothing in scope is left; call again after a wait until then.
 */
export async function teardownStep(
  deps: Pick<ClusterDeps, 'clusters' | 'baseline'>,
  cluster: string,
  only?: CreatedResource[],
): Promise<{ done: boolean }> {
  const inScope = (type: CreatedResource['type'], name: string) =>
    !only || only.some((r) => r.type === type && r.name === name);
  const controlPlane = await deps.clusters.describeCluster(cluster);
  if (!controlPlane) return { done: true };

  const nodegroups = (await deps.clusters.listNodegroups(cluster)).filter((n) => inScope('nodegroup', n));
  const addons = (await deps.clusters.listAddons(cluster)).filter((a) => inScope('addon', a));
  for (const name of nodegroups) {
    const ng = await deps.clusters.describeNodegroup(cluster, name);
    if (ng && !GOING.includes(ng.status)) await notYet(() => deps.clusters.deleteNodegroup(cluster, name));
  }
  for (const name of addons) {
    const addon = await deps.clusters.describeAddon(cluster, name);
    if (addon && !GOING.includes(addon.status)) await notYet(() => deps.clusters.deleteAddon(cluster, name));
  }
  const deletesControlPlane = inScope('controlPlane', cluster);
  if (!deletesControlPlane) {
    // The cluster stays: take away the access entries and namespaces this operation added to it.
    for (const r of only ?? []) {
      if (r.type === 'accessEntry') await deps.clusters.deleteAccessEntry(cluster, r.name);
      if (r.type === 'namespace') await deps.baseline.deleteNamespace(cluster, r.name);
    }
  }
  if (nodegroups.length > 0 || addons.length > 0) return { done: false };
  if (!deletesControlPlane) return { done: true };
  if (!GOING.includes(controlPlane.status) && !(await notYet(() => deps.clusters.deleteCluster(cluster))))
    return { done: false };
  return { done: (await deps.clusters.describeCluster(cluster)) === undefined };
}

/** Runs a delete; "busy" (ConflictError: EKS's ResourceInUse) means try again on the next pass. */
async function notYet(remove: () => Promise<void>): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}
