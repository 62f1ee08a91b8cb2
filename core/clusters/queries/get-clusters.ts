import { NotFoundError } from '../../kernel/errors';
import type { Operation } from '../../operations/domain/operation';
import type { ClusterDeps } from '../cluster-deps';
import { BASELINE_TAG, isManaged } from '../domain/cluster';
import { observeCluster } from '../steps/observe-cluster';

/** Operations shown with a cluster: enough to see what happened lately, without their inputs. */
const RECENT_OPERATIONS = 5;

/** GET /clusters/{name}: control plane, node groups, add-ons, access, baseline and recent operations in one answer. */
export async function getCluster(deps: Pick<ClusterDeps, 'clusters' | 'operations'>, name: string) {
  const observed = await observeCluster(deps.clusters, name);
  const cp = observed.controlPlane;
  if (!cp)
    throw new NotFoundError(`cluster ${name} not found`, { details: [{ field: 'name', reason: 'no such cluster' }] });
  const operations = await deps.operations.listByCluster(name, RECENT_OPERATIONS);
  const lastProvision = operations.find((op) => op.kind === 'ProvisionCluster' && op.status === 'Succeeded');
  return {
    name,
    managed: isManaged(cp),
    controlPlane: {
      status: cp.status,
      version: cp.version,
      endpoint: cp.endpoint,
      logging: cp.logging,
      endpointPublicAccess: cp.endpointPublicAccess,
    },
    nodegroups: observed.nodegroups.map((n) => ({
      name: n.name,
      status: n.status,
      instanceTypes: n.instanceTypes,
      capacityType: n.capacityType,
      minSize: n.minSize,
      maxSize: n.maxSize,
      desiredSize: n.desiredSize,
      labels: n.labels,
      taints: n.taints,
    })),
    addons: observed.addons.map((a) => ({ name: a.name, status: a.status, version: a.version })),
    access: observed.accessEntries,
    baseline: {
      digest: cp.tags[BASELINE_TAG],
      namespaces: baselineNamespaces(lastProvision),
    },
    operations: operations.map(summary),
  };
}

/** GET /clusters: every cluster with its control plane's status and eksflow's view of it (no per-cluster listing). */
export async function listClusters(
  deps: Pick<ClusterDeps, 'clusters' | 'operations'>,
  readable: (names: string[]) => string[],
) {
  const names = readable(await deps.clusters.listClusters());
  const clusters = await Promise.all(
    names.map(async (name) => {
      const cp = await deps.clusters.describeCluster(name);
      const [last] = await deps.operations.listByCluster(name, 1);
      return (
        cp && {
          name,
          status: cp.status,
          version: cp.version,
          managed: isManaged(cp),
          lastOperation: last && summary(last),
        }
      );
    }),
  );
  return { clusters: clusters.filter((c) => c !== undefined) };
}

function summary(op: Operation) {
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
    error: op.error,
  };
}

function baselineNamespaces(op: Operation | undefined): string[] | undefined {
  const input = op?.input as { spec?: { namespaces?: Array<{ name: string }> } } | undefined;
  return input?.spec?.namespaces?.map((n) => n.name);
}
