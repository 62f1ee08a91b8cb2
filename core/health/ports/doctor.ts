/** What `eksflow doctor` asks of the world beyond the ports eksflow already has (ClusterApi, stores, alarms). */

/** A TCP connect and TLS handshake to a Kubernetes API endpoint, from where the functions run. */
export interface EndpointReach {
  /** Resolves when the handshake completes within the reach timeout; throws naming the endpoint and the reason. */
  reach(cluster: string, endpoint: string, caData?: string): Promise<void>;
}

/** Who the functions are to AWS (STS GetCallerIdentity). */
export interface CallerIdentity {
  callerArn(): Promise<string>;
}

/** One Kubernetes permission eksflow needs: a verb on a resource, in a namespace or cluster-wide. */
export interface KubePermission {
  group: string;
  resource: string;
  verb: string;
  namespace?: string;
}

/** The token was refused (HTTP 401): no Kubernetes identity at all, so no permission can be asked about. */
export class KubeTokenRefused extends Error {
  override readonly name = 'KubeTokenRefused';
}

/** SelfSubjectAccessReview: what the cluster lets the functions' identity do. */
export interface KubeAccessReview {
  /** One answer per permission, in order; throws KubeTokenRefused on a 401, any other error as it came. */
  review(cluster: string, permissions: KubePermission[]): Promise<{ allowed: boolean; reason?: string }[]>;
}
