import type { ClusterApi } from '../../clusters/ports/cluster-api';
import type { KubeConnection, KubeConnector } from '../../clusters/ports/kube';
import type { KubeEndpointOverride } from '../../config';
import { DependencyError, NotFoundError } from '../../kernel/errors';
import type { EksTokenProvider } from '../aws/eks-token';

/**
 * How long "this EKS cluster exists, at this endpoint with this CA" is believed without asking again: short enough
 * that a deleted cluster is refused within seconds, long enough that a rollout's passes, and each Kubernetes call
 * of a busy function, do not each call DescribeCluster (EKS's read quota is shared by the whole account).
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
  /**
   * Cluster name → its endpoint and CA, and when DescribeCluster said so (absence is never cached: a new cluster
   * works at once).
   */
  private readonly described = new Map<string, { at: number; endpoint?: string; caData?: string; status?: string }>();

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
    const cluster = await this.describe(clusterName);
    if (!cluster.endpoint) {
      this.described.delete(clusterName); // not ACTIVE yet: ask again next time
      throw new DependencyError(`cluster ${clusterName} has no API endpoint yet (status ${cluster.status})`);
    }
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
    await this.describe(clusterName);
  }

  /** DescribeCluster's endpoint and CA, believed for CLUSTER_EXISTS_TTL_MS. */
  private async describe(clusterName: string): Promise<{ endpoint?: string; caData?: string; status?: string }> {
    const known = this.described.get(clusterName);
    if (known && this.clock() - known.at < CLUSTER_EXISTS_TTL_MS) return known;
    const cluster = await this.clusters.describeCluster(clusterName);
    if (!cluster) {
      this.described.delete(clusterName);
      throw notFound(clusterName);
    }
    const fresh = { at: this.clock(), endpoint: cluster.endpoint, caData: cluster.caData, status: cluster.status };
    this.described.set(clusterName, fresh);
    return fresh;
  }
}

/** Names the `cluster` field, so `POST /rollouts` answers a 404 that says which input was wrong. */
function notFound(clusterName: string): NotFoundError {
  return new NotFoundError(`cluster ${clusterName} not found`, {
    details: [{ field: 'cluster', reason: `no EKS cluster named ${clusterName}` }],
  });
}
