import type { AccessGrant, AccessSpec, AddonSpec, ClusterInfo, ClusterSpec, NodegroupSpec } from '../domain/cluster';
import type { ObservedAccessEntry, ObservedAddon, ObservedNodegroup } from '../domain/plan';

/** The EKS control-plane API, as the use cases need it. */
export interface ClusterApi {
  /** Starts creating a cluster tagged with the operation id. Safe to call twice for the same operation. */
  createCluster(spec: ClusterSpec, operationId: string, options?: CreateClusterOptions): Promise<void>;
  describeCluster(name: string): Promise<ClusterInfo | undefined>;
  /** Starts deleting; a cluster already gone is not an error. */
  deleteCluster(name: string): Promise<void>;
  /** Creates the principal's access entry (and its access policy); safe to call again. */
  grantAccess(cluster: string, grant: AccessGrant): Promise<void>;
  /** Names of every cluster in the account and region (all pages). */
  listClusters(): Promise<string[]>;
  /** Changes what EKS changes in place: logging, endpoint access. */
  updateClusterConfig(spec: ClusterSpec, changes: string[]): Promise<void>;
  tagCluster(name: string, tags: Record<string, string>): Promise<void>;

  listNodegroups(cluster: string): Promise<string[]>;
  describeNodegroup(cluster: string, name: string): Promise<ObservedNodegroup | undefined>;
  /** Creates the node group tagged with the operation id; `created: false` when it already exists. */
  createNodegroup(cluster: string, spec: NodegroupSpec, operationId: string): Promise<{ created: boolean }>;
  /** UpdateNodegroupConfig: scaling, labels, taints, update config, from the spec and what exists. */
  updateNodegroup(cluster: string, spec: NodegroupSpec, observed: ObservedNodegroup): Promise<void>;
  deleteNodegroup(cluster: string, name: string): Promise<void>;

  listAddons(cluster: string): Promise<string[]>;
  describeAddon(cluster: string, name: string): Promise<ObservedAddon | undefined>;
  /** The newest version EKS lists as compatible with this Kubernetes version. */
  latestAddonVersion(name: string, kubernetesVersion: string): Promise<string | undefined>;
  createAddon(
    cluster: string,
    spec: AddonSpec,
    version: string | undefined,
    operationId: string,
  ): Promise<{ created: boolean }>;
  updateAddon(cluster: string, spec: AddonSpec, version: string | undefined): Promise<void>;
  deleteAddon(cluster: string, name: string): Promise<void>;

  listAccessEntries(cluster: string): Promise<string[]>;
  describeAccessEntry(cluster: string, principalArn: string): Promise<ObservedAccessEntry | undefined>;
  /** Creates the entry if missing and leaves exactly the spec's policy associated; `created` says which. */
  applyAccess(cluster: string, spec: AccessSpec): Promise<{ created: boolean }>;
  deleteAccessEntry(cluster: string, principalArn: string): Promise<void>;
}

export interface CreateClusterOptions {
  /** False: the creating role gets no Kubernetes access; access entries grant it instead. */
  creatorIsAdmin: boolean;
}
