import type { ClusterApi } from '../../core/clusters/ports/cluster-api';
import type { PendingPod } from '../../core/scaling/domain/fit-pending-pods';
import type { ScalingPolicy } from '../../core/scaling/domain/records';
import type { NodegroupSizes } from '../../core/scaling/domain/sizes';
import type { NodegroupApi, NodegroupInfo, NodegroupPods, UpdateStatus } from '../../core/scaling/ports/nodegroups';
import type { ScheduleDeps } from '../../core/scaling/scaling-deps';
import { MemoryOperationStore } from '../fakes/memory-operation-store';
import { MemoryScalingStore } from '../fakes/memory-scaling-store';
import { MemoryVerifiedAlarmChanges } from '../fakes/memory-verified-alarm-changes';
import { FakeWorkflowStarter, fixedClock } from './fakes';

/** A policy record of node group c1/ng1 on alarm `alarm-<name>`, as the stores hold it. */
export function scalingPolicy(name: string, overrides: Partial<ScalingPolicy> = {}): ScalingPolicy {
  return {
    cluster: 'c1',
    nodegroup: 'ng1',
    name,
    alarm: `alarm-${name}`,
    state: 'ALARM',
    adjustment: { type: 'change', value: 1 },
    cooldownSeconds: 60,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'test',
    ...overrides,
  };
}

/** Node groups in memory; an update is InProgress until `finishUpdates()`. */
export class FakeNodegroupApi implements NodegroupApi {
  readonly groups = new Map<string, NodegroupInfo>();
  readonly updates: { id: string; cluster: string; nodegroup: string; sizes: NodegroupSizes; status: UpdateStatus }[] =
    [];

  add(cluster: string, name: string, sizes: NodegroupSizes, extra: Partial<NodegroupInfo> = {}): void {
    this.groups.set(`${cluster}/${name}`, {
      cluster,
      name,
      status: 'ACTIVE',
      sizes,
      instanceTypes: ['m6i.large'],
      labels: {},
      taints: [],
      ...extra,
    });
  }

  async describeNodegroup(cluster: string, nodegroup: string) {
    const g = this.groups.get(`${cluster}/${nodegroup}`);
    return g && structuredClone(g);
  }

  async listNodegroups(cluster: string) {
    return [...this.groups.values()].filter((g) => g.cluster === cluster).map((g) => g.name);
  }

  async updateScaling(cluster: string, nodegroup: string, sizes: NodegroupSizes) {
    const g = this.groups.get(`${cluster}/${nodegroup}`);
    if (!g) throw new Error('no such group');
    g.sizes = { ...sizes };
    g.status = 'UPDATING';
    const id = `update-${this.updates.length + 1}`;
    this.updates.push({ id, cluster, nodegroup, sizes, status: 'InProgress' });
    return { updateId: id };
  }

  async describeUpdate(_cluster: string, _nodegroup: string, updateId: string) {
    return { status: this.updates.find((u) => u.id === updateId)?.status ?? 'InProgress', errors: [] };
  }

  finishUpdates(): void {
    for (const u of this.updates) u.status = 'Successful';
    for (const g of this.groups.values()) g.status = 'ACTIVE';
  }
}

export class FakeNodegroupPods implements NodegroupPods {
  pending: PendingPod[] = [];
  perNode: Record<string, number> = {};
  async pendingPods() {
    return structuredClone(this.pending);
  }
  async podsPerNode() {
    return { ...this.perNode };
  }
}

/** ScalingDeps (and the schedules' deployer) on fakes and memory stores, with a clock that moves when told. */
export function scalingWorld(startIso = '2027-01-01T00:00:00Z') {
  const clock = fixedClock(startIso);
  const nodegroups = new FakeNodegroupApi();
  const pods = new FakeNodegroupPods();
  const workflows = new FakeWorkflowStarter();
  const alarmStates: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'> = {};
  let ids = 0;
  const operations = new MemoryOperationStore();
  const published: { detailType: string; detail: Record<string, unknown> }[] = [];
  const deps: ScheduleDeps = {
    // Scaling asks EKS about a cluster only to name a missing one in a 404.
    clusters: { describeCluster: async () => undefined } as unknown as ClusterApi,
    nodegroups,
    nodegroupPods: pods,
    scaling: new MemoryScalingStore(operations),
    scheduleDeployer: { deploy: async () => undefined, remove: async () => undefined },
    operations,
    workflows,
    alarms: {
      states: async (names) =>
        Object.fromEntries(
          names.flatMap((n) => {
            const state = alarmStates[n];
            return state ? [[n, state]] : [];
          }),
        ),
    },
    verifiedChanges: new MemoryVerifiedAlarmChanges(),
    events: {
      publish: async (detailType, detail) => void published.push({ detailType, detail }),
      publishAll: async () => new Set<string>(),
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} } as unknown as ScheduleDeps['logger'],
    now: clock.now,
    newId: () => `op-${++ids}`,
  };
  return { deps, clock, nodegroups, pods, workflows, alarmStates, published };
}
