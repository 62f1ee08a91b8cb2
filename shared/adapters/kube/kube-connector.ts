import type { KubeEndpointOverride } from '../../config';
import { DependencyError, NotFoundError } from '../../errors';
import type { ClusterApi } from '../../ports/cluster-api';
import type { KubeConnection, KubeConnector } from '../../ports/kube';
import type { EksTokenProvider } from '../aws/eks-token';

/**
 * Reaches a cluster the way AWS does: endpoint and CA from DescribeCluster, an EKS bearer token.
 * An override (per cluster name, or `*` for all) points a cluster at a fixed server instead —
 * the local control plane in the sandbox and in tests.
 */
export class EksKubeConnector implements KubeConnector {
  constructor(
    private readonly clusters: ClusterApi,
    private readonly tokens: Pick<EksTokenProvider, 'getToken'>,
    private readonly overrides: Record<string, KubeEndpointOverride> = {},
  ) {}

  async connect(clusterName: string): Promise<KubeConnection> {
    const override = this.overrides[clusterName] ?? this.overrides['*'];
    if (override) return { server: override.server, caData: override.caData, token: override.token };
    const cluster = await this.clusters.describeCluster(clusterName);
    if (!cluster) throw new NotFoundError(`cluster ${clusterName} not found`);
    if (!cluster.endpoint)
      throw new DependencyError(`cluster ${clusterName} has no API endpoint yet (status ${cluster.status})`);
    const { token } = await this.tokens.getToken(clusterName);
    return { server: cluster.endpoint, caData: cluster.caData, token };
  }
}
