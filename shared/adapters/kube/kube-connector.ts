import type { KubeEndpointOverride } from '../../config';
import { DependencyError, NotFoundError } from '../../errors';
import type { ClusterApi } from '../../ports/cluster-api';
import type { KubeConnection, KubeConnector } from '../../ports/kube';
import type { EksTokenProvider } from '../aws/eks-token';

/**
 * How long "this EKS cluster exists" is believed without asking again: short enough that a deleted
 * cluster is refused within seconds, long enough that a rollout's passes do not each call DescribeCluster.
 */
export const CLUSTER_EXISTS_TTL_MS = 10_000;

/**
 * Reaches a cluster the way AWS does: endpoint and CA from DescribeCluster, an EKS bearer token.
 * An override with a `server` points a cluster at a fixed server instead (a fault proxy in tests). An
 * override for the cluster's own name is trusted as is; the wildcard `*` still requires the EKS cluster
 * to exist, so a rollout on a cluster nobody created is a 404. An override with only a token (the
 * sandbox) keeps DescribeCluster's endpoint and CA and replaces the EKS token.
 */
export class EksKubeConnector implements KubeConnector {
  /** Cluster name → when its existence was last confirmed (absence is never cached: a new cluster works at once). */
  private readonly confirmed = new Map<string, number>();

  constructor(
    private readonly clusters: Pick<ClusterApi, 'describeCluster'>,
    private readonly tokens: Pick<EksTokenProvider, 'getToken' | 'principalArn'>,
    private readonly overrides: Record<string, KubeEndpointOverride> = {},
    private readonly clock: () => number = Date.now,
  ) {}

  async connect(clusterName: string): Promise<KubeConnection> {
    const exact = this.overrides[clusterName];
    if (exact?.server) return connectionOf(exact, exact.server);
    const wildcard = this.overrides['*'];
    if (wildcard?.server) {
      await this.ensureExists(clusterName);
      return connectionOf(wildcard, wildcard.server);
    }
    const cluster = await this.clusters.describeCluster(clusterName);
    if (!cluster) throw notFound(clusterName);
    if (!cluster.endpoint)
      throw new DependencyError(`cluster ${clusterName} has no API endpoint yet (status ${cluster.status})`);
    // A token-only override (the sandbox: its API servers take a static token, not an EKS one).
    const token = (exact ?? wildcard)?.token ?? (await this.tokens.getToken(clusterName)).token;
    return { server: cluster.endpoint, caData: cluster.caData, token };
  }

  async principal(clusterName: string): Promise<string | undefined> {
    if ((this.overrides[clusterName] ?? this.overrides['*'])?.token) return undefined;
    return this.tokens.principalArn(clusterName).catch(() => undefined);
  }

  private async ensureExists(clusterName: string): Promise<void> {
    const at = this.confirmed.get(clusterName);
    if (at !== undefined && this.clock() - at < CLUSTER_EXISTS_TTL_MS) return;
    if (!(await this.clusters.describeCluster(clusterName))) {
      this.confirmed.delete(clusterName);
      throw notFound(clusterName);
    }
    this.confirmed.set(clusterName, this.clock());
  }
}

function connectionOf(override: KubeEndpointOverride, server: string): KubeConnection {
  return { server, caData: override.caData, token: override.token };
}

/** Names the `cluster` field, so `POST /rollouts` answers a 404 that says which input was wrong. */
function notFound(clusterName: string): NotFoundError {
  return new NotFoundError(`cluster ${clusterName} not found`, {
    details: [{ field: 'cluster', reason: `no EKS cluster named ${clusterName}` }],
  });
}
