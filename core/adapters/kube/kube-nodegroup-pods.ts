import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { NodeSelectorRequirement, PendingPod } from '../../scaling/domain/fit-pending-pods';
import type { NodegroupPods } from '../../scaling/ports/nodegroups';
import { kubeCall } from './kube-call';
import type { KubeClientFactory } from './kube-clients';

/** The label EKS puts on every node of a managed node group. */
export const NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';

export class KubeNodegroupPods implements NodegroupPods {
  constructor(private readonly clients: KubeClientFactory) {}

  async pendingPods(cluster: string): Promise<PendingPod[]> {
    const { core } = await this.clients.forCluster(cluster);
    const list = await kubeCall('list pending pods', () =>
      core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Pending,spec.nodeName=' }),
    );
    return list.items.filter(isUnschedulable).map(toPendingPod);
  }

  async podsPerNode(cluster: string, nodegroup: string): Promise<Record<string, number>> {
    const { core } = await this.clients.forCluster(cluster);
    const nodes = await kubeCall('list nodes', () =>
      core.listNode({ labelSelector: `${NODEGROUP_LABEL}=${nodegroup}` }),
    );
    const counts: Record<string, number> = {};
    for (const node of nodes.items) {
      const name = node.metadata?.name ?? '';
      const pods = await kubeCall('list pods on node', () =>
        core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` }),
      );
      // DaemonSet pods go with their node; only the others are rescheduled.
      counts[name] = pods.items.filter((p) => !p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet')).length;
    }
    return counts;
  }
}

/**
 * The scheduler tried and found no node (PodScheduled False, reason Unschedulable), as Cluster Autoscaler
 * reads it: a pod created a moment ago, or one for another scheduler, is not a reason to add nodes.
 */
function isUnschedulable(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
  );
}

/** What the containers of a pod ask for together. */
function requested(containers: V1Container[]): { cpuMillis: number; memoryBytes: number } {
  return containers.reduce(
    (acc, c) => ({
      cpuMillis: acc.cpuMillis + cpuMillis(c.resources?.requests?.cpu),
      memoryBytes: acc.memoryBytes + memoryBytes(c.resources?.requests?.memory),
    }),
    { cpuMillis: 0, memoryBytes: 0 },
  );
}

function toPendingPod(pod: V1Pod): PendingPod {
  const spec = pod.spec;
  // The scheduler's effective request: the containers together, or the largest init container if larger.
  const main = requested(spec?.containers ?? []);
  const init = (spec?.initContainers ?? []).map((c) => requested([c]));
  const requests = {
    cpuMillis: Math.max(main.cpuMillis, ...init.map((i) => i.cpuMillis)),
    memoryBytes: Math.max(main.memoryBytes, ...init.map((i) => i.memoryBytes)),
  };
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return {
    name: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
    requests,
    tolerations: (spec?.tolerations ?? []).map((t) => ({
      key: t.key,
      operator: t.operator as 'Exists' | 'Equal' | undefined,
      value: t.value,
      effect: t.effect,
    })),
    nodeSelector: spec?.nodeSelector ?? {},
    requiredNodeAffinity: terms.map((term) => (term.matchExpressions ?? []) as NodeSelectorRequirement[]),
  };
}

const CPU_SUFFIX = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Kubernetes CPU quantity ("250m", "1", "0.5") in millicores; absent is 0. */
export function cpuMillis(quantity: string | undefined): number {
  if (!quantity) return 0;
  const m = CPU_SUFFIX.exec(quantity);
  if (!m) return 0;
  return Math.ceil(m[2] ? Number(m[1]) : Number(m[1]) * 1000);
}

/** Kubernetes memory quantity ("512Mi", "1G", "1000") in bytes; absent is 0. */
export function memoryBytes(quantity: string | undefined): number {
  if (!quantity) return 0;
  const m = /^(\d+(?:\.\d+)?)([kMGT]i?|)$/.exec(quantity);
  if (!m) return 0;
  const [, amount, unit = ''] = m;
  return Math.ceil(Number(amount) * (MEMORY_UNITS[unit] ?? 1));
}
