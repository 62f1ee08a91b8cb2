import type { AccessGrant, ClusterInfo, ClusterSpec } from '../domain/cluster';

/** The EKS control-plane API, as the use cases need it. */
export interface ClusterApi {
  /** Starts creating a cluster tagged with the operation id. Safe to call twice for the same operation. */
  createCluster(spec: ClusterSpec, operationId: string, options?: CreateClusterOptions): Promise<void>;
  describeCluster(name: string): Promise<ClusterInfo | undefined>;
  /** Starts deleting; a cluster already gone is not an error. */
  deleteCluster(name: string): Promise<void>;
  /** Creates the principal's access entry (and its access policy); safe to call again. */
  grantAccess(cluster: string, grant: AccessGrant): Promise<void>;
}

export interface CreateClusterOptions {
  /** False: the creating role gets no Kubernetes access; access entries grant it instead. */
  creatorIsAdmin: boolean;
}
