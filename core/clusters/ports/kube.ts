import type { NamespaceSpec } from '../domain/cluster';

/** How to reach one cluster's Kubernetes API. */
export interface KubeConnection {
  server: string;
  /** Base64 PEM CA bundle; absent means the system trust store. */
  caData?: string;
  token: string;
}

export interface KubeConnector {
  connect(clusterName: string): Promise<KubeConnection>;
  /**
   * The principal (IAM ARN) the cluster's access entry must name for this connection's token, to name it when the
   * cluster refuses; undefined when the token is no EKS token or the caller cannot be learned.
   */
  principal?(clusterName: string): Promise<string | undefined>;
}

/** Namespaced objects the baseline puts into a cluster. */
export interface ClusterBaseline {
  /** Creates the namespace or leaves an existing one alone; returns what happened. */
  ensureNamespace(cluster: string, name: string, labels: Record<string, string>): Promise<'created' | 'exists'>;
  /** Lets `group` make eksflow's rollout calls in these namespaces, and nowhere else (RBAC). */
  ensureRolloutAccess(cluster: string, group: string, namespaces: string[]): Promise<void>;
  /** Lets `group` read pods and nodes cluster-wide (scaling's calls), and nothing else (RBAC). */
  ensureScalingAccess(cluster: string, group: string): Promise<void>;
  /**
   * Server-side applies a namespace of the spec with its quota, limits and network policy, and removes
   * eksflow's objects the spec no longer asks for. `created` says whether the namespace was new.
   */
  applyNamespace(cluster: string, namespace: NamespaceSpec): Promise<{ created: boolean }>;
  /** Deletes a namespace (rollback of one this operation created); gone already is not an error. */
  deleteNamespace(cluster: string, name: string): Promise<void>;
  /** Which of these namespaces exist. */
  existingNamespaces(cluster: string, names: string[]): Promise<string[]>;
}
