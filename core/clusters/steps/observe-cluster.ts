import type { ObservedCluster } from '../domain/plan';
import type { ClusterApi } from '../ports/cluster-api';

/** The cluster as EKS shows it: control plane, node groups, add-ons, access entries (empty when it does not exist). */
export async function observeCluster(clusters: ClusterApi, name: string): Promise<ObservedCluster> {
  const controlPlane = await clusters.describeCluster(name);
  if (!controlPlane) return { nodegroups: [], addons: [], accessEntries: [] };
  const [nodegroupNames, addonNames, principals] = await Promise.all([
    clusters.listNodegroups(name),
    clusters.listAddons(name),
    clusters.listAccessEntries(name),
  ]);
  const present = <T>(items: Array<T | undefined>) => items.filter((i): i is T => i !== undefined);
  return {
    controlPlane,
    nodegroups: present(await Promise.all(nodegroupNames.map((n) => clusters.describeNodegroup(name, n)))),
    addons: present(await Promise.all(addonNames.map((a) => clusters.describeAddon(name, a)))),
    accessEntries: present(await Promise.all(principals.map((p) => clusters.describeAccessEntry(name, p)))),
  };
}
