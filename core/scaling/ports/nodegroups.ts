import type { PendingPod, Taint } from '../domain/fit-pending-pods';
import type { NodegroupSizes } from '../domain/sizes';

/** A managed node group as EKS describes it (what scaling needs). */
export interface NodegroupInfo {
  cluster: string;
  name: string;
  /** ACTIVE, UPDATING, CREATING, DELETING, DEGRADED, … */
  status: string;
  sizes: NodegroupSizes;
  instanceTypes: string[];
  labels: Record<string, string>;
  /** Kubernetes spelling of the effects (NoSchedule), converted from EKS's NO_SCHEDULE. */
  taints: Taint[];
}

export type UpdateStatus = 'InProgress' | 'Successful' | 'Failed' | 'Cancelled';

/** The EKS node-group API, as scaling needs it. */
export interface NodegroupApi {
  describeNodegroup(cluster: string, nodegroup: string): Promise<NodegroupInfo | undefined>;
  listNodegroups(cluster: string): Promise<string[]>;
  /** UpdateNodegroupConfig; `token` makes a repeated call the same update (EKS's clientRequestToken). */
  updateScaling(
    cluster: string,
    nodegroup: string,
    sizes: NodegroupSizes,
    token: string,
  ): Promise<{ updateId: string }>;
  describeUpdate(
    cluster: string,
    nodegroup: string,
    updateId: string,
  ): Promise<{ status: UpdateStatus; errors: string[] }>;
}

/** What the cluster's pods say about a node group (Kubernetes API). */
export interface NodegroupPods {
  /** Pods the scheduler could not place (Pending, marked Unschedulable), in every namespace. */
  pendingPods(cluster: string): Promise<PendingPod[]>;
  /** Pods per Node of the group (label eks.amazonaws.com/nodegroup). */
  podsPerNode(cluster: string, nodegroup: string): Promise<Record<string, number>>;
}
