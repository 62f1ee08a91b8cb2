import { kubeCall, kubeStatus } from '../../../../../core/adapters/kube/kube-call';
import { KubeClientFactory } from '../../../../../core/adapters/kube/kube-clients';
import { ClusterAccessError, ThrottledError, TransientError } from '../../../../../core/kernel/errors';
import { type Reply, type ScriptedServer, startScriptedServer } from '../../../../helpers/scripted-https-server';

/** Short enough to keep the tests quick, long enough for a loaded machine to answer a local request. */
const TEST_REQUEST_TIMEOUT_MS = 500;

const namespace = { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'team-a' } };

/**
 * client-node 1.4 against a real HTTPS server on 127.0.0.1, through the same client factory and
 * kubeCall as production (only the request timeout is shorter).
 */
describe('Kubernetes calls against a server that misbehaves', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => server?.close());

  async function readNamespaceThrough(script: Reply[]) {
    server = await startScriptedServer(script);
    const { url, caData } = server;
    const clients = new KubeClientFactory(
      { connect: async () => ({ server: url, caData, token: 't' }) },
      TEST_REQUEST_TIMEOUT_MS,
    );
    const { core } = await clients.forCluster('test');
    return kubeCall('read namespace team-a', () => core.readNamespace({ name: 'team-a' })).catch((e: unknown) => e);
  }

  it('retries 429 and 503 and returns the 200 that follows', async () => {
    // Act
    const result = await readNamespaceThrough([{ status: 429 }, { status: 503 }, { status: 200, body: namespace }]);

    // Assess
    expect(result).toMatchObject({ metadata: { name: 'team-a' } });
    expect(server?.requests).toEqual(Array(3).fill('GET /api/v1/namespaces/team-a'));
  });

  it("keeps one connection for a client's calls: one TLS handshake, not one per request", async () => {
    // Prepare
    server = await startScriptedServer([{ status: 200, body: namespace }]);
    const { url, caData } = server;
    const clients = new KubeClientFactory({ connect: async () => ({ server: url, caData, token: 't' }) });
    const { core, apps } = await clients.forCluster('test');

    // Act: one call after another (the connection is free again each time), through two of its API groups
    await core.readNamespace({ name: 'team-a' });
    await core.readNamespace({ name: 'team-a' });
    await apps.listNamespacedDeployment({ namespace: 'team-a' }).catch(() => undefined);

    // Assess
    expect(server.requests).toHaveLength(3);
    expect(server.handshakes()).toBe(1);
  });

  it('retries a dropped connection (socket hang up) and returns the 200 that follows', async () => {
    // Act
    const result = await readNamespaceThrough(['drop', { status: 200, body: namespace }]);

    // Assess
    expect(result).toMatchObject({ metadata: { name: 'team-a' } });
    expect(server?.requests).toHaveLength(2);
  });

  it('times out a request that gets no answer and retries it with a fresh deadline', async () => {
    // Act
    const result = await readNamespaceThrough(['hang', { status: 200, body: namespace }]);

    // Assess
    expect(result).toMatchObject({ metadata: { name: 'team-a' } });
    expect(server?.requests).toHaveLength(2);
  });

  it.each([
    {
      what: 'connections that keep dropping',
      reply: 'drop' as const,
      message: /^read namespace team-a failed: .*socket hang up/,
      cause: { name: 'FetchError', code: 'ECONNRESET' },
    },
    {
      what: 'a server that never answers',
      reply: 'hang' as const,
      message: /^read namespace team-a failed: no answer within the request timeout$/,
      cause: { name: 'AbortError' },
    },
    {
      what: 'a body that stops half-way (node-fetch 2 alone would wait forever)',
      reply: 'stall-body' as const,
      message: /^read namespace team-a failed: no answer within the request timeout$/,
      cause: { name: 'AbortError' },
    },
  ])('ends $what with a TransientError after 5 attempts', async ({ reply, message, cause }) => {
    // Act
    const error = await readNamespaceThrough([reply]);

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).name).toBe('TransientError');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).cause).toMatchObject(cause);
    expect(server?.requests).toHaveLength(5);
  });

  it('ends a server that keeps throttling with a ThrottledError after 5 attempts', async () => {
    // Act
    const error = await readNamespaceThrough([{ status: 429 }]);

    // Assess
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as Error).cause).toMatchObject({ code: 429 });
    expect(server?.requests).toHaveLength(5);
  });

  it.each([404, 409])('hands a %d back at once, unchanged, for the caller to judge', async (status) => {
    // Act
    const error = await readNamespaceThrough([{ status }]);

    // Assess
    expect(error).toMatchObject({ code: status });
    expect(error).not.toBeInstanceOf(TransientError);
    expect(server?.requests).toHaveLength(1);
  });

  it.each([
    [401, 'no EKS access entry for arn:aws:iam::111122223333:role/eksflow-dev-us-east-1-api on cluster test'],
    [
      403,
      'does not let arn:aws:iam::111122223333:role/eksflow-dev-us-east-1-api do this (403: namespaces is forbidden)',
    ],
  ])('turns a %d into a ClusterAccessError naming the principal and the cluster, at once', async (status, reason) => {
    // Prepare
    server = await startScriptedServer([{ status, body: { kind: 'Status', message: 'namespaces is forbidden' } }]);
    const { url, caData } = server;
    const clients = new KubeClientFactory({
      connect: async () => ({ server: url, caData, token: 't' }),
      principal: async () => 'arn:aws:iam::111122223333:role/eksflow-dev-us-east-1-api',
    });
    const { core } = await clients.forCluster('test');

    // Act
    const error = await kubeCall('read namespace', () => core.readNamespace({ name: 'team-a' })).catch((e) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterAccessError);
    expect(kubeStatus(error)).toBe(status);
    expect(error.message).toContain(reason);
    expect(error.details).toEqual([{ field: 'cluster', reason: expect.stringContaining(reason) }]);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a refused connection and ends with a TransientError naming ECONNREFUSED', async () => {
    // Prepare: a port nobody listens on any more.
    const gone = await startScriptedServer([{ status: 200 }]);
    await gone.close();
    const clients = new KubeClientFactory(
      { connect: async () => ({ server: gone.url, caData: gone.caData, token: 't' }) },
      TEST_REQUEST_TIMEOUT_MS,
    );
    const { core } = await clients.forCluster('test');
    const attempts = jest.fn(() => core.readNamespace({ name: 'team-a' }));

    // Act
    const error = await kubeCall('read namespace team-a', attempts).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(attempts).toHaveBeenCalledTimes(5);
  });
});
