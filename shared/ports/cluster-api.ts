import type { ClusterInfo, ClusterSpec } from '../domain/cluster';

/** The EKS control-plane API, as the use cases need it. */
export interface ClusterApi {
  /** Starts creating a cluster tagged with the operation id. Safe to call twice for the same operation. */
  createCluster(spec: ClusterSpec, operationId: string): Promise<void>;
  describeCluster(name: string): Promise<ClusterInfo | undefined>;
  /** Starts deleting; a cluster already gone is not an error. */
  deleteCluster(name: string): Promise<void>;
}
