import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { CoreV1Api } from '@kubernetes/client-node';
import { isKubeRetryable, kubeCall } from '../../core/adapters/kube/kube-call';
import { kubeConfigFor } from '../../core/adapters/kube/kube-clients';
import { ThrottledError } from '../../core/kernel/errors';
import { type FaultProxies, startFaultProxies } from '../helpers/fault-proxies';
import { awsClientConfig, kube, testStack, uniqueName } from '../helpers/stack';

/** The fault proxy against the real emulator and apiserver: each fault looks to the clients like the real thing. */
describe('fault proxy', () => {
  let proxies: FaultProxies;
  const attempts = 3;
  const viaProxy = () => ({ ...awsClientConfig(), endpoint: proxies.aws.url, maxAttempts: attempts });
  const kubeViaProxy = () =>
    kubeConfigFor('proxied', { ...testStack().controlPlane, server: proxies.kube.url }).makeApiClient(CoreV1Api);
  const table = uniqueName('fault-proxy');

  beforeAll(async () => {
    proxies = await startFaultProxies();
    await new DynamoDBClient(awsClientConfig()).send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
  });
  afterAll(async () => proxies?.close());
  beforeEach(() => {
    proxies.setFaults({ rate: 0 });
    proxies.aws.resetStats();
    proxies.kube.resetStats();
  });

  const failureOf = async (call: Promise<unknown>) =>
    call.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error) => error as { name: string; $metadata: { attempts?: number; httpStatusCode?: number } },
    );

  it('forwards everything untouched at rate 0 (AWS over HTTP, Kubernetes over verified HTTPS)', async () => {
    // Act
    const clusters = await new EKSClient(viaProxy()).send(new ListClustersCommand({}));
    const namespaces = await kubeViaProxy().listNamespace({ limit: 1 });

    // Assess
    expect(clusters.clusters).toBeDefined();
    expect(namespaces.items.length).toBe(1);
    expect(proxies.aws.stats()).toMatchObject({ requests: 1, forwarded: 1 });
    expect(proxies.kube.stats()).toMatchObject({ requests: 1, forwarded: 1 });
  });

  it.each([
    ['DynamoDB (awsJson 1.0)', () => new DynamoDBClient(viaProxy()).send(new GetItemCommand(getItem(table, 'x')))],
    ['EventBridge (awsJson 1.1)', () => new EventBridgeClient(viaProxy()).send(new ListRulesCommand({}))],
    ['CloudWatch (JSON, query-compatible)', () => new CloudWatchClient(viaProxy()).send(new DescribeAlarmsCommand({}))],
    ['EKS (restJson)', () => new EKSClient(viaProxy()).send(new ListClustersCommand({}))],
  ])('100 %% throttling: %s sees ThrottlingException and retries it itself', async (_, call) => {
    // Prepare
    proxies.setFaults({ rate: 1, kinds: ['throttle'] });

    // Act
    const error = await failureOf(call());

    // Assess
    expect(error.name).toMatch(/^Throttling(Exception)?$/);
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect(error.$metadata.attempts).toBe(attempts);
    expect(proxies.aws.stats().faults.throttle).toBe(attempts);
  });

  it('100 % 5xx: the SDK retries and then reports the server error', async () => {
    // Prepare
    proxies.setFaults({ rate: 1, kinds: ['error5xx'] });

    // Act
    const error = await failureOf(new DynamoDBClient(viaProxy()).send(new GetItemCommand(getItem(table, 'x'))));

    // Assess
    expect([500, 503]).toContain(error.$metadata.httpStatusCode);
    expect(error.$metadata.attempts).toBe(attempts);
    expect(proxies.aws.stats().forwarded).toBe(0);
  });

  it('a throttled SDK call succeeds once the faults stop within its retries', async () => {
    // Prepare: a seed whose first draw faults and second does not, at 50 %
    proxies.aws.setFaults({ rate: 0.5, kinds: ['throttle'], seed: seedFaultingFirstOnly(0.5) });

    // Act
    const out = await new DynamoDBClient(viaProxy()).send(new GetItemCommand(getItem(table, 'x')));

    // Assess
    expect(out.$metadata.attempts).toBe(2);
    expect(proxies.aws.stats().faults.throttle).toBe(1);
  });

  it('Kubernetes 429 is a Status with Retry-After, which kubeCall retries and then names ThrottledError', async () => {
    // Prepare
    proxies.setFaults({ rate: 1, kinds: ['throttle'] });

    // Act
    const raw = await kubeViaProxy()
      .listNamespace({ limit: 1 })
      .catch((e) => e);
    const named = await kubeCall('list namespaces', () => kubeViaProxy().listNamespace({ limit: 1 })).catch((e) => e);

    // Assess
    expect(raw.code).toBe(429);
    expect(JSON.parse(raw.body)).toMatchObject({ kind: 'Status', code: 429, reason: 'TooManyRequests' });
    expect(raw.headers['retry-after']).toBe('1');
    expect(isKubeRetryable(raw)).toBe(true);
    expect(named).toBeInstanceOf(ThrottledError);
    expect(proxies.kube.stats().faults.throttle).toBeGreaterThan(1);
  });

  it('409 Conflict hits Kubernetes updates only; reads and creates pass', async () => {
    // Prepare
    const namespace = uniqueName('ns-proxy');
    await kube().core.createNamespace({ body: { metadata: { name: namespace } } });
    proxies.setFaults({ rate: 1, kinds: ['conflict'] });
    const client = kubeViaProxy();

    // Act
    const created = await client.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'cm' }, data: { a: '1' } },
    });
    const read = await client.readNamespacedConfigMap({ namespace, name: 'cm' });
    const update = await client
      .replaceNamespacedConfigMap({ namespace, name: 'cm', body: { ...read, data: { a: '2' } } })
      .catch((e) => e);

    // Assess
    expect(created.metadata?.name).toBe('cm');
    expect(update.code).toBe(409);
    expect(JSON.parse(update.body)).toMatchObject({ kind: 'Status', code: 409, reason: 'Conflict' });
    expect((await kube().core.readNamespacedConfigMap({ namespace, name: 'cm' })).data).toEqual({ a: '1' });
    expect(proxies.kube.stats().faults.conflict).toBe(1);
  });

  it('drop AFTER forwarding: the client hears nothing, yet the server applied the write', async () => {
    // Prepare
    const namespace = uniqueName('ns-proxy');
    await kube().core.createNamespace({ body: { metadata: { name: namespace } } });
    proxies.setFaults({ rate: 1, kinds: ['dropAfter'] });

    // Act
    const kubeError = await kubeViaProxy()
      .createNamespacedConfigMap({ namespace, body: { metadata: { name: 'applied' }, data: { a: '1' } } })
      .catch((e) => e);
    const awsError = await failureOf(
      new DynamoDBClient({ ...viaProxy(), maxAttempts: 1 }).send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: 'applied' } } }),
      ),
    );

    // Assess: a network error for both clients, and both writes are there
    expect(isKubeRetryable(kubeError)).toBe(true);
    expect(kubeError.code).not.toBe(201);
    expect(awsError.$metadata.httpStatusCode).toBeUndefined();
    expect((await kube().core.readNamespacedConfigMap({ namespace, name: 'applied' })).data).toEqual({ a: '1' });
    const item = await new DynamoDBClient(awsClientConfig()).send(new GetItemCommand(getItem(table, 'applied')));
    expect(item.Item?.pk?.S).toBe('applied');
  });

  it('drop BEFORE forwarding: the client hears nothing and the server never saw the write', async () => {
    // Prepare
    const namespace = uniqueName('ns-proxy');
    await kube().core.createNamespace({ body: { metadata: { name: namespace } } });
    proxies.setFaults({ rate: 1, kinds: ['dropBefore'] });

    // Act
    const error = await kubeViaProxy()
      .createNamespacedConfigMap({ namespace, body: { metadata: { name: 'never' } } })
      .catch((e) => e);

    // Assess
    expect(isKubeRetryable(error)).toBe(true);
    const read = await kube()
      .core.readNamespacedConfigMap({ namespace, name: 'never' })
      .catch((e) => e);
    expect(read.code).toBe(404);
    expect(proxies.kube.stats()).toMatchObject({ forwarded: 0, faults: { dropBefore: 1 } });
  });

  it('slow: the request is delayed and then answered normally', async () => {
    // Prepare
    proxies.setFaults({ rate: 1, kinds: ['slow'], slowMs: 50 });

    // Act
    const namespaces = await kubeViaProxy().listNamespace({ limit: 1 });

    // Assess
    expect(namespaces.items).toHaveLength(1);
    expect(proxies.kube.stats()).toMatchObject({ forwarded: 1, faults: { slow: 1 } });
  });

  it('pause() forwards everything until resume()', async () => {
    // Prepare
    proxies.setFaults({ rate: 1, kinds: ['error5xx'] });
    proxies.pause();

    // Act
    const whilePaused = await kubeViaProxy().listNamespace({ limit: 1 });
    proxies.resume();
    const afterResume = await kubeViaProxy()
      .listNamespace({ limit: 1 })
      .catch((e) => e);

    // Assess
    expect(whilePaused.items).toHaveLength(1);
    expect([500, 503]).toContain(afterResume.code);
  });
});

const getItem = (table: string, pk: string) => ({ TableName: table, Key: { pk: { S: pk } } });

/** A seed under which the proxy faults the first request and not the second (found by trying seeds in order). */
function seedFaultingFirstOnly(rate: number): number {
  const { FaultPlan } = require('../../tools/fault-proxy/faults') as typeof import('../../tools/fault-proxy/faults');
  const facts = { method: 'POST', path: '/', operation: 'x' };
  for (let seed = 1; ; seed++) {
    const plan = new FaultPlan({ rate, kinds: ['throttle'], seed });
    if (plan.next(facts, 'aws') && !plan.next(facts, 'aws')) return seed;
  }
}
