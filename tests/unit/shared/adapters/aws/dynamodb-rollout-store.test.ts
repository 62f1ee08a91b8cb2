import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbRolloutStore } from '../../../../../shared/adapters/aws/dynamodb-rollout-store';
import type { Rollout } from '../../../../../shared/domain/rollout/types';
import { ConflictError, VersionConflictError } from '../../../../../shared/errors';

const TABLE = 'eksflow-test';
const ddb = mockClient(DynamoDBDocumentClient);
const T0 = '2026-03-01T12:00:00.000Z';

function rollout(overrides: Partial<Rollout> = {}): Rollout {
  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
  };
  return {
    id: 'ro-1',
    cluster: 'sandbox',
    namespace: 'shop',
    deployment: 'web',
    strategy: 'canary',
    request: {
      cluster: 'sandbox',
      namespace: 'shop',
      deployment: 'web',
      image: 'nginx:1.28',
      canary: {
        trafficRouting: 'replicas',
        steps: [{ setWeight: 10 }],
        analysis: { alarms: ['web-5xx', 'web-latency'], noData: 'pause' },
      },
      progressDeadlineSeconds: 600,
    },
    status: 'Progressing',
    phase: 'Steps',
    currentStepIndex: 0,
    stepStartedAt: T0,
    stable: { replicas: 10, template },
    newTemplate: template,
    revision: 'rro1',
    weights: { canary: 0, stable: 100 },
    alarms: ['web-5xx', 'web-latency'],
    run: 1,
    history: [],
    createdAt: T0,
    updatedAt: T0,
    version: 0,
    ...overrides,
  };
}

function cancelled() {
  return Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
  });
}

const store = () => new DynamoDbRolloutStore(TABLE, new DynamoDBClient({ region: 'us-east-1' }));
const transactItems = (i = 0) => ddb.commandCalls(TransactWriteCommand)[i].args[0].input.TransactItems!;

beforeEach(() => ddb.reset());

describe('DynamoDbRolloutStore.create', () => {
  it('is one transaction: the rollout (if new), the Deployment lock (if free), one entry per alarm', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});
    const r = rollout();

    // Act
    await store().create(r);

    // Assess
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const items = transactItems();
    expect(items).toHaveLength(4);
    expect(items[0].Put).toMatchObject({
      TableName: TABLE,
      Item: { pk: 'ROLLOUT#ro-1', sk: 'ROLLOUT', version: 0 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.parse(items[0].Put!.Item!.doc as string)).toEqual(r);
    expect(items[1].Put).toEqual({
      TableName: TABLE,
      Item: { pk: 'ACTIVE', sk: 'sandbox/shop/web', rolloutId: 'ro-1' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(items.slice(2).map((i) => i.Put?.Item)).toEqual([
      { pk: 'ALARM#web-5xx', sk: 'ROLLOUT#ro-1', rolloutId: 'ro-1' },
      { pk: 'ALARM#web-latency', sk: 'ROLLOUT#ro-1', rolloutId: 'ro-1' },
    ]);
  });

  it('writes just the rollout and the lock without alarms', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await store().create(rollout({ alarms: [] }));

    // Assess
    expect(transactItems().map((i) => i.Put?.Item?.pk)).toEqual(['ROLLOUT#ro-1', 'ACTIVE']);
  });

  it('indexes an alarm named twice once (DynamoDB refuses two operations on one item in a transaction)', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await store().create(rollout({ alarms: ['web-5xx', 'web-5xx'] }));

    // Assess
    const keys = transactItems().map((i) => `${i.Put?.Item?.pk}|${i.Put?.Item?.sk}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('turns a cancelled transaction into ConflictError naming the active rollout from the lock', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(cancelled());
    ddb
      .on(GetCommand, { TableName: TABLE, Key: { pk: 'ACTIVE', sk: 'sandbox/shop/web' } })
      .resolves({ Item: { pk: 'ACTIVE', sk: 'sandbox/shop/web', rolloutId: 'ro-0' } });

    // Act
    const error = await store()
      .create(rollout())
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toContain('ro-0');
    expect((error as ConflictError).details).toEqual([
      { field: 'deployment', reason: 'rollout ro-0 is active on this Deployment' },
    ]);
    expect(ddb.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ ConsistentRead: true });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('passes other errors through', async () => {
    // Prepare
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));

    // Act / Assess
    await expect(store().create(rollout())).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });
});

describe('DynamoDbRolloutStore.save', () => {
  it('writes an active rollout conditionally on its version and returns version+1', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const saved = await store().save(rollout({ version: 4, status: 'Paused' }));

    // Assess
    expect(saved.version).toBe(5);
    const items = transactItems();
    expect(items).toHaveLength(1);
    expect(items[0].Put).toMatchObject({
      Item: { pk: 'ROLLOUT#ro-1', version: 5 },
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': 4 },
    });
  });

  it.each(['Aborted', 'Promoted', 'Failed'] as const)(
    'a %s rollout releases the lock and the alarm entries in the same transaction',
    async (status) => {
      // Prepare
      ddb.on(TransactWriteCommand).resolves({});

      // Act
      await store().save(rollout({ version: 2, status }));

      // Assess
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
      const items = transactItems();
      expect(items[0].Put?.Item).toMatchObject({ pk: 'ROLLOUT#ro-1', version: 3 });
      expect(items[1].Delete).toMatchObject({
        TableName: TABLE,
        Key: { pk: 'ACTIVE', sk: 'sandbox/shop/web' },
        ExpressionAttributeValues: { ':id': 'ro-1' },
      });
      expect(items.slice(2).map((i) => i.Delete?.Key)).toEqual([
        { pk: 'ALARM#web-5xx', sk: 'ROLLOUT#ro-1' },
        { pk: 'ALARM#web-latency', sk: 'ROLLOUT#ro-1' },
      ]);
    },
  );

  it('turns a cancelled transaction into VersionConflictError', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(cancelled());

    // Act / Assess
    await expect(store().save(rollout())).rejects.toBeInstanceOf(VersionConflictError);
  });
});

describe('DynamoDbRolloutStore.get', () => {
  it('reads the JSON document back with the item version', async () => {
    // Prepare
    const r = rollout();
    ddb.on(GetCommand).resolves({ Item: { pk: 'ROLLOUT#ro-1', sk: 'ROLLOUT', version: 7, doc: JSON.stringify(r) } });

    // Act
    const read = await store().get('ro-1');

    // Assess
    expect(read).toEqual({ ...r, version: 7 });
    expect(ddb.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'ROLLOUT#ro-1', sk: 'ROLLOUT' },
      ConsistentRead: true,
    });
  });

  it('returns undefined for a missing rollout', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});

    // Act / Assess
    expect(await store().get('nope')).toBeUndefined();
  });
});
