/**
 * Scale to fit pending pods, from outside the cluster (Cluster Autoscaler does this in-cluster): which
 * Pending pods could run on one more node of this node group, and how many such nodes they need.
 * Pure: the pods and the node group's shape come in, a node count goes out.
 */

export interface Taint {
  key: string;
  value?: string;
  /** Kubernetes spelling: NoSchedule, PreferNoSchedule, NoExecute. */
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

/** What the scheduler checks before it would place a pod on a new node of the group. */
export interface PendingPod {
  name: string;
  /** CPU in millicores, memory in bytes: the sum of the containers' requests (init containers' max counts too). */
  requests: { cpuMillis: number; memoryBytes: number };
  tolerations: Toleration[];
  nodeSelector: Record<string, string>;
  /** requiredDuringScheduling node affinity: any one term must match (terms are ORed, expressions ANDed). */
  requiredNodeAffinity: NodeSelectorRequirement[][];
}

export interface NodeShape {
  /** The labels a node of the group carries (the group's labels plus the EKS well-known ones). */
  labels: Record<string, string>;
  taints: Taint[];
  allocatable: { cpuMillis: number; memoryBytes: number; pods: number };
}

/** Only these effects keep a pod off a node; PreferNoSchedule is a preference. */
const BLOCKING_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return t.key === undefined || t.key === '' || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function requirementHolds(labels: Record<string, string>, r: NodeSelectorRequirement): boolean {
  const value = labels[r.key];
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(r.values?.[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(r.values?.[0]);
  }
}

/** Whether a fresh, empty node of this shape would accept the pod. */
export function fitsOnNode(pod: PendingPod, node: NodeShape): boolean {
  const blocking = node.taints.filter((t) => BLOCKING_EFFECTS.has(t.effect));
  if (!blocking.every((taint) => tolerates(pod.tolerations, taint))) return false;
  if (!Object.entries(pod.nodeSelector).every(([k, v]) => node.labels[k] === v)) return false;
  const terms = pod.requiredNodeAffinity;
  if (terms.length > 0 && !terms.some((term) => term.every((r) => requirementHolds(node.labels, r)))) return false;
  return (
    pod.requests.cpuMillis <= node.allocatable.cpuMillis &&
    pod.requests.memoryBytes <= node.allocatable.memoryBytes &&
    node.allocatable.pods >= 1
  );
}

/**
 * New nodes needed for the pods that fit the shape: first-fit decreasing (largest CPU first), a fast
 * packing that uses at most 11/9 of the optimum plus one node; pods that fit no node are left out.
 */
export function nodesNeeded(pods: PendingPod[], node: NodeShape): { nodes: number; fitting: string[] } {
  const fitting = pods
    .filter((p) => fitsOnNode(p, node))
    .sort((a, b) => b.requests.cpuMillis - a.requests.cpuMillis || b.requests.memoryBytes - a.requests.memoryBytes);
  const bins: { cpu: number; memory: number; pods: number }[] = [];
  for (const pod of fitting) {
    const bin = bins.find(
      (b) => b.cpu >= pod.requests.cpuMillis && b.memory >= pod.requests.memoryBytes && b.pods >= 1,
    );
    const target = bin ?? {
      cpu: node.allocatable.cpuMillis,
      memory: node.allocatable.memoryBytes,
      pods: node.allocatable.pods,
    };
    if (!bin) bins.push(target);
    target.cpu -= pod.requests.cpuMillis;
    target.memory -= pod.requests.memoryBytes;
    target.pods -= 1;
  }
  return { nodes: bins.length, fitting: fitting.map((p) => p.name) };
}

/** The desired size that fits them: raised by the nodes needed, within max, never lowered. */
export function desiredToFit(current: { desiredSize: number; maxSize: number }, nodes: number): number {
  return Math.max(current.desiredSize, Math.min(current.desiredSize + nodes, current.maxSize));
}
