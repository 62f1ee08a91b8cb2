import type { Operation } from '../../operations/domain/operation';
import { requireNodegroup } from '../commands/start-scale';
import { nodegroupLock } from '../domain/records';
import type { NodegroupSizes } from '../domain/sizes';
import type { NodegroupInfo } from '../ports/nodegroups';
import type { ScalingDeps } from '../scaling-deps';

/** Operations shown per node group (the newest). */
const RECENT_OPERATIONS = 10;

export interface NodegroupView {
  cluster: string;
  name: string;
  status: string;
  minSize: number;
  maxSize: number;
  desiredSize: number;
  instanceTypes: string[];
  labels: Record<string, string>;
  taints: NodegroupInfo['taints'];
  /** The change in flight, if any. */
  activeOperationId?: string;
  recentOperations: {
    id: string;
    status: Operation['status'];
    requestedBy?: string;
    from?: NodegroupSizes;
    to?: NodegroupSizes;
    createdAt: string;
    podsRescheduled?: number;
    error?: Operation['error'];
  }[];
}

export async function getNodegroup(
  deps: ScalingDeps,
  target: { cluster: string; nodegroup: string },
): Promise<NodegroupView> {
  return viewOf(deps, await requireNodegroup(deps, target));
}

export async function listNodegroups(deps: ScalingDeps, cluster: string): Promise<{ nodegroups: NodegroupView[] }> {
  const names = await deps.nodegroups.listNodegroups(cluster);
  const groups = await Promise.all(names.map((n) => deps.nodegroups.describeNodegroup(cluster, n)));
  const views = await Promise.all(
    groups.filter((g): g is NodegroupInfo => g !== undefined).map((g) => viewOf(deps, g)),
  );
  return { nodegroups: views };
}

async function viewOf(deps: ScalingDeps, g: NodegroupInfo): Promise<NodegroupView> {
  const [holder, ids] = await Promise.all([
    deps.operations.lockHolder(nodegroupLock(g.cluster, g.name)),
    deps.scaling.recentOperations(g.cluster, g.name, RECENT_OPERATIONS),
  ]);
  const ops = (await Promise.all(ids.map((id) => deps.operations.get(id)))).filter((o): o is Operation => !!o);
  return {
    cluster: g.cluster,
    name: g.name,
    status: g.status,
    ...g.sizes,
    instanceTypes: g.instanceTypes,
    labels: g.labels,
    taints: g.taints,
    ...(holder ? { activeOperationId: holder } : {}),
    recentOperations: ops.map((o) => ({
      id: o.id,
      status: o.status,
      requestedBy: o.scale?.requestedBy,
      from: o.scale?.from,
      to: o.scale?.to,
      createdAt: o.createdAt,
      ...(o.scale?.podsRescheduled !== undefined ? { podsRescheduled: o.scale.podsRescheduled } : {}),
      ...(o.error ? { error: o.error } : {}),
    })),
  };
}
