import { EksKubeConnector } from '../../../../../shared/adapters/kube/kube-connector';
import type { ClusterInfo } from '../../../../../shared/domain/cluster';
import { DependencyError, NotFoundError } from '../../../../../shared/errors';
import type { ClusterApi } from '../../../../../shared/ports/cluster-api';

function clusters(found: Partial<ClusterInfo> | undefined): ClusterApi {
  return {
    createCluster: jest.fn(),
    deleteCluster: jest.fn(),
    describeCluster: jest.fn(async (name: string) =>
      found ? ({ name, status: 'ACTIVE', tags: {}, ...found } as ClusterInfo) : undefined,
    ),
  };
}

const tokens = {
  getToken: jest.fn(async (cluster: string) => ({ token: `k8s-aws-v1.token-for-${cluster}`, expiresAt: new Date() })),
};

describe('EksKubeConnector', () => {
  beforeEach(() => tokens.getToken.mockClear());

  it('reaches an EKS cluster as AWS does: endpoint and CA from DescribeCluster, an EKS token', async () => {
    // Prepare
    const connector = new EksKubeConnector(
      clusters({ endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com', caData: 'Q0E=' }),
      tokens,
    );
    // Act
    const connection = await connector.connect('prod');
    // Assess
    expect(connection).toEqual({
      server: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
      caData: 'Q0E=',
      token: 'k8s-aws-v1.token-for-prod',
    });
    expect(tokens.getToken).toHaveBeenCalledWith('prod');
  });

  it('a per-cluster override wins over the wildcard, and neither asks EKS or STS', async () => {
    // Prepare
    const api = clusters({ endpoint: 'https://real' });
    const connector = new EksKubeConnector(api, tokens, {
      '*': { server: 'https://127.0.0.1:6443', caData: 'QQ==', token: 'wild' },
      special: { server: 'https://127.0.0.1:7443', token: 'mine' },
    });
    // Act
    const special = await connector.connect('special');
    const other = await connector.connect('anything');
    // Assess
    expect(special).toEqual({ server: 'https://127.0.0.1:7443', caData: undefined, token: 'mine' });
    expect(other).toEqual({ server: 'https://127.0.0.1:6443', caData: 'QQ==', token: 'wild' });
    expect(api.describeCluster).not.toHaveBeenCalled();
    expect(tokens.getToken).not.toHaveBeenCalled();
  });

  it('a missing cluster is NotFoundError; one without an endpoint yet is DependencyError', async () => {
    await expect(new EksKubeConnector(clusters(undefined), tokens).connect('gone')).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      new EksKubeConnector(clusters({ status: 'CREATING' }), tokens).connect('young'),
    ).rejects.toBeInstanceOf(DependencyError);
  });
});
