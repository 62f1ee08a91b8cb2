import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { present } from '../../../core/kernel/invariant';
import {
  kubeTaints,
  NODEGROUP_LABEL,
  type NodegroupShape,
  nodeLabels,
  nodeManifest,
  SEQUENCE_ANNOTATION,
} from './node-manifest';

export interface NodeSyncResult {
  created: string[];
  deleted: string[];
  updated: string[];
}

/** Hands out node sequence numbers of one cluster, never twice: a new Node never takes a removed one's name. */
export class NodeSequence {
  private next = 0;
  /** Continues after the highest number among existing Nodes (a control plane that outlived our memory). */
  observe(nodes: V1Node[]): void {
    for (const node of nodes) this.next = Math.max(this.next, sequenceOf(node) + 1);
  }
  take(): number {
    return this.next++;
  }
}

function sequenceOf(node: V1Node): number {
  return Number(node.metadata?.annotations?.[SEQUENCE_ANNOTATION] ?? -1);
}

/**
 * Makes the cluster's node-group Nodes what its node groups say: `desiredSize` Ready Nodes per group
 * with the group's labels and taints. Scale-in removes the newest Nodes first (the control plane's
 * simulated kubelet then evicts their pods; their ReplicaSets make new ones, which the scheduler
 * places or leaves Pending); Nodes of a deleted group go. Nodes not made for a node group are left alone.
 */
export async function syncNodes(
  core: CoreV1Api,
  nodegroups: NodegroupShape[],
  region: string,
  sequence: NodeSequence,
): Promise<NodeSyncResult> {
  const result: NodeSyncResult = { created: [], deleted: [], updated: [] };
  const { items } = await core.listNode({ labelSelector: NODEGROUP_LABEL });
  sequence.observe(items);
  const groups = new Map(nodegroups.map((g) => [g.name, g]));
  for (const node of items) {
    if (!groups.has(node.metadata?.labels?.[NODEGROUP_LABEL] ?? '')) result.deleted.push(nameOf(node));
  }
  for (const group of nodegroups) {
    const mine = items
      .filter((n) => n.metadata?.labels?.[NODEGROUP_LABEL] === group.name)
      .sort((a, b) => sequenceOf(a) - sequenceOf(b));
    const keep = mine.slice(0, Math.max(0, group.desiredSize));
    result.deleted.push(...mine.slice(keep.length).map((n) => nameOf(n)));
    for (const node of keep) {
      if (await updateIfDrifted(core, node, group, region)) result.updated.push(nameOf(node));
    }
    for (let i = keep.length; i < group.desiredSize; i++) {
      const created = await core.createNode({ body: nodeManifest(group, sequence.take(), region) });
      result.created.push(nameOf(created));
    }
  }
  for (const name of result.deleted) await deleteNode(core, name);
  return result;
}

/** A group's labels or taints changed (UpdateNodegroupConfig): its existing Nodes follow, as EKS updates them. */
async function updateIfDrifted(core: CoreV1Api, node: V1Node, group: NodegroupShape, region: string) {
  const name = nameOf(node);
  const zone = node.metadata?.labels?.['topology.kubernetes.io/zone'] ?? '';
  const labels = nodeLabels(group, name, zone, region);
  const taints = kubeTaints(group);
  if (sameEntries(labels, node.metadata?.labels ?? {}) && sameTaints(taints, node.spec?.taints ?? [])) return false;
  await core.replaceNode({
    name,
    body: { ...node, metadata: { ...node.metadata, labels }, spec: { ...node.spec, taints } },
  });
  return true;
}

async function deleteNode(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.deleteNode({ name });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function sameTaints(a: { key: string; value?: string; effect: string }[], b: typeof a): boolean {
  const text = (list: typeof a) =>
    list
      .map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`)
      .sort()
      .join(',');
  return text(a) === text(b);
}

/** A Node the API server returned always has a name. */
function nameOf(node: V1Node): string {
  return present(node.metadata?.name, "a Node's name");
}
