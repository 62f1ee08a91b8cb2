import { CLUSTER_EXISTS_TTL_MS, EksKubeConnector } from '../../../../../core/adapters/kube/kube-connector';
import type { ClusterInfo } from '../../../../../core/clusters/domain/cluster';
import type { ClusterApi } from '../../../../../core/clusters/ports/cluster-api';
import { DependencyError, NotFoundError } from '../../../../../core/kernel/errors';

function clusters(
  found: Partial<ClusterInfo> | undefined,
): Pick<ClusterApi, 'describeCluster' | 'createCluster' | 'deleteCluster' | 'grantAccess'> {
  return {
    createCluster: jest.fn(),
    deleteCluster: jest.fn(),
    grantAccess: jest.fn(),
    describeCluster: jest.fn(async (name: string) =>
      found ? ({ name, status: 'ACTIVE', tags: {}, ...found } as ClusterInfo) : undefined,
    ),
  };
}

const tokens = {
  getToken: jest.fn(async (cluster: string) => ({ token: `k8s-aws-v1.token-for-${cluster}`, expiresAt: new Date() })),
  principalArn: jest.fn(async () => 'arn:aws:iam::111122223333:role/eksflow-dev-us-east-1-api'),
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

  it('reaches a cluster with one DescribeCluster per cache time, however many calls (EKS read quota)', async () => {
    // Prepare
    let now = 0;
    const api = clusters({ endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com', caData: 'Q0E=' });
    const connector = new EksKubeConnector(api, tokens, {}, () => now);

    // Act
    for (let i = 0; i < 20; i++) await connector.connect('prod');
    const withinTtl = (api.describeCluster as jest.Mock).mock.calls.length;
    now += CLUSTER_EXISTS_TTL_MS;
    await connector.connect('prod');

    // Assess
    expect(withinTtl).toBe(1);
    expect(api.describeCluster).toHaveBeenCalledTimes(2);
  });

  it('a per-cluster override wins over the wildcard; neither asks STS, only the wildcard asks EKS', async () => {
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
    expect(api.describeCluster).toHaveBeenCalledTimes(1);
    expect(api.describeCluster).toHaveBeenCalledWith('anything');
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

  describe('wildcard override (the sandbox maps every cluster to one control plane)', () => {
    const wildcard = { '*': { server: 'https://127.0.0.1:6443', token: 'wild' } };

    it('refuses a cluster EKS does not know with a 404 naming the cluster field', async () => {
      // Prepare
      const connector = new EksKubeConnector(clusters(undefined), tokens, wildcard);

      // Act
      const error = await connector.connect('no-such-cluster').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).status).toBe(404);
      expect((error as NotFoundError).details).toEqual([
        { field: 'cluster', reason: 'no EKS cluster named no-such-cluster' },
      ]);
    });

    it('asks EKS once per cluster within the cache time, and again after it', async () => {
      // Prepare
      let now = 1_000_000;
      const api = clusters({});
      const connector = new EksKubeConnector(api, tokens, wildcard, () => now);

      // Act
      await connector.connect('a');
      now += CLUSTER_EXISTS_TTL_MS - 1;
      await connector.connect('a');
      await connector.connect('b');
      now += 1;
      await connector.connect('a');

      // Assess
      expect((api.describeCluster as jest.Mock).mock.calls.map(([name]) => name)).toEqual(['a', 'b', 'a']);
    });

    it('does not remember absence: a cluster created after a 404 is reachable at once', async () => {
      // Prepare
      let exists = false;
      const api: Pick<ClusterApi, 'describeCluster' | 'createCluster' | 'deleteCluster' | 'grantAccess'> = {
        createCluster: jest.fn(),
        deleteCluster: jest.fn(),
        grantAccess: jest.fn(),
        describeCluster: jest.fn(async (name: string) =>
          exists ? ({ name, status: 'ACTIVE', tags: {} } as ClusterInfo) : undefined,
        ),
      };
      const connector = new EksKubeConnector(api, tokens, wildcard);
      await expect(connector.connect('new')).rejects.toBeInstanceOf(NotFoundError);

      // Act
      exists = true;
      const connection = await connector.connect('new');

      // Assess
      expect(connection.server).toBe('https://127.0.0.1:6443');
    });
  });

  describe('token-only override (the sandbox: each cluster its own control plane, one static token)', () => {
    it('takes endpoint and CA from DescribeCluster and the token from the override, asking STS nothing', async () => {
      // Prepare
      const api = clusters({ endpoint: 'https://127.0.0.1:41000', caData: 'Q0E=' });
      const connector = new EksKubeConnector(api, tokens, { '*': { token: 'static' } });

      // Act
      const connection = await connector.connect('second');

      // Assess
      expect(connection).toEqual({ server: 'https://127.0.0.1:41000', caData: 'Q0E=', token: 'static' });
      expect(api.describeCluster).toHaveBeenCalledWith('second');
      expect(tokens.getToken).not.toHaveBeenCalled();
    });

    it('still refuses an unknown cluster (404) and one without an endpoint yet (CREATING)', async () => {
      // Prepare
      const tokenOnly = { '*': { token: 'static' } };

      // Act
      const unknown = new EksKubeConnector(clusters(undefined), tokens, tokenOnly).connect('gone');
      const creating = new EksKubeConnector(clusters({ status: 'CREATING' }), tokens, tokenOnly).connect('young');

      // Assess
      await expect(unknown).rejects.toBeInstanceOf(NotFoundError);
      await expect(creating).rejects.toBeInstanceOf(DependencyError);
    });
  });

  it('names the principal behind its EKS tokens, and none behind a static token or when STS cannot say', async () => {
    // Prepare
    const api = clusters({ endpoint: 'https://x' });
    const failing = { ...tokens, principalArn: jest.fn(async () => Promise.reject(new Error('no network'))) };

    // Act
    const named = await new EksKubeConnector(api, tokens).principal('prod');
    const staticToken = await new EksKubeConnector(api, tokens, { '*': { token: 'static' } }).principal('prod');
    const unknown = await new EksKubeConnector(api, failing).principal('prod');

    // Assess
    expect(named).toBe('arn:aws:iam::111122223333:role/eksflow-dev-us-east-1-api');
    expect(staticToken).toBeUndefined();
    expect(unknown).toBeUndefined();
  });

  it('sends its EKS token to an overridden server that names no token (a fault proxy in front of EKS)', async () => {
    // Prepare
    const connector = new EksKubeConnector(clusters({ endpoint: 'https://x' }), tokens, {
      '*': { server: 'http://127.0.0.1:9999' },
    });

    // Act
    const connection = await connector.connect('prod');

    // Assess
    expect(connection).toEqual({
      server: 'http://127.0.0.1:9999',
      caData: undefined,
      token: 'k8s-aws-v1.token-for-prod',
    });
  });
});
