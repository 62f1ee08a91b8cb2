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
 * to exist, so a rollout on a cluster nobody created is a 404. An override's `token` replaces the EKS token
 * (a server that takes a static token); without one, the EKS token goes to the overridden server too.
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
    if (exact?.server) return { server: exact.server, caData: exact.caData, token: await this.tokenFor(clusterName) };
    const wildcard = this.overrides['*'];
    if (wildcard?.server) {
      await this.ensureExists(clusterName);
      return { server: wildcard.server, caData: wildcard.caData, token: await this.tokenFor(clusterName) };
    }
    const cluster = await this.clusters.describeCluster(clusterName);
    if (!cluster) throw notFound(clusterName);
    if (!cluster.endpoint)
      throw new DependencyError(`cluster ${clusterName} has no API endpoint yet (status ${cluster.status})`);
    return { server: cluster.endpoint, caData: cluster.caData, token: await this.tokenFor(clusterName) };
  }

  /** The override's fixed token, if it names one; else an EKS token for the cluster. */
  private async tokenFor(clusterName: string): Promise<string> {
    const fixed = (this.overrides[clusterName] ?? this.overrides['*'])?.token;
    return fixed ?? (await this.tokens.getToken(clusterName)).token;
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

/** Names the `cluster` field, so `POST /rollouts` answers a 404 that says which input was wrong. */
function notFound(clusterName: string): NotFoundError {
  return new NotFoundError(`cluster ${clusterName} not found`, {
    details: [{ field: 'cluster', reason: `no EKS cluster named ${clusterName}` }],
  });
}
