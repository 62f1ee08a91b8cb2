import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbRolloutStore, MAX_TRANSACT_ITEMS } from '../../../../../core/adapters/aws/dynamodb-rollout-store';
import { ConflictError, ValidationError, VersionConflictError } from '../../../../../core/kernel/errors';
import { rolloutListPosition } from '../../../../../core/rollouts/ports/rollout-store';
import { defined } from '../../../../helpers/defined';
import { storedCanaryRollout } from '../../../../helpers/rollout-world';

const TABLE = 'eksflow-test';
const ddb = mockClient(DynamoDBDocumentClient);
const T0 = '2026-03-01T12:00:00.000Z';

const rollout = storedCanaryRollout;

function cancelled() {
  return Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
  });
}

const store = () => new DynamoDbRolloutStore(TABLE, new DynamoDBClient({ region: 'us-east-1' }));
const transactItems = (i = 0) =>
  defined(
    defined(ddb.commandCalls(TransactWriteCommand)[i], 'ddb.commandCalls(TransactWriteCommand)[i]').args[0].input
      .TransactItems,
    "defined(ddb.commandCalls(TransactWriteCommand)[i], 'ddb.c...",
  );

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
    expect(items[0]?.Put).toMatchObject({
      TableName: TABLE,
      Item: { pk: 'ROLLOUT#ro-1', sk: 'ROLLOUT', version: 0 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.parse(defined(items[0]?.Put?.Item, 'items[0]?.Put.Item').doc as string)).toEqual(r);
    expect(items[1]?.Put).toEqual({
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
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
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
    expect(items[0]?.Put).toMatchObject({
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
      expect(items[0]?.Put?.Item).toMatchObject({ pk: 'ROLLOUT#ro-1', version: 3 });
      expect(items[1]?.Delete).toMatchObject({
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

  it('a retried transaction cancelled by its own earlier write (answer lost) is a success, not a conflict', async () => {
    // Prepare: the first attempt was applied; the table holds exactly what this save writes
    const r = rollout({ version: 4 });
    const written = { ...r, version: 5 };
    ddb.on(TransactWriteCommand).rejects(cancelled());
    ddb
      .on(GetCommand)
      .resolves({ Item: { pk: 'ROLLOUT#ro-1', sk: 'ROLLOUT', version: 5, doc: JSON.stringify(written) } });

    // Act
    const saved = await store().save(r);

    // Assess
    expect(saved.version).toBe(5);
  });

  it('someone else’s write at the same version is still a conflict', async () => {
    // Prepare
    const r = rollout({ version: 4 });
    ddb.on(TransactWriteCommand).rejects(cancelled());
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'ROLLOUT#ro-1',
        sk: 'ROLLOUT',
        version: 5,
        doc: JSON.stringify({ ...r, version: 5, status: 'Aborted' }),
      },
    });

    // Act / Assess
    await expect(store().save(r)).rejects.toBeInstanceOf(VersionConflictError);
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
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
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

describe('DynamoDbRolloutStore: the outbox', () => {
  const event = (i: number) => ({
    id: `ro-1:1:${i}`,
    sequence: `ro-1#0000000001#${String(i).padStart(4, '0')}`,
    detailType: 'Rollout StepStarted',
    detail: { eventId: `ro-1:1:${i}` },
  });

  it('save puts one outbox item per event in the same transaction as the record', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await store().save(rollout(), [event(0), event(1)]);

    // Assess
    const outbox = transactItems().filter((i) => i.Put?.Item?.pk === 'OUTBOX');
    expect(outbox.map((i) => defined(i.Put?.Item, 'i.Put.Item').sk)).toEqual([
      'ro-1#0000000001#0000',
      'ro-1#0000000001#0001',
    ]);
    expect(JSON.parse(defined(outbox[0]?.Put?.Item, 'outbox[0]?.Put.Item').events as string)).toEqual([event(0)]);
  });

  it('create puts the Started entry of the new rollout in the outbox by default', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});
    const started = { at: T0, type: 'Started' as const, message: 'go' };

    // Act
    await store().create(rollout({ history: [started] }));

    // Assess
    const outbox = transactItems().filter((i) => i.Put?.Item?.pk === 'OUTBOX');
    expect(outbox.map((i) => defined(i.Put?.Item, 'i.Put.Item').sk)).toEqual(['ro-1#0000000000#0000']);
    expect(JSON.parse(defined(outbox[0]?.Put?.Item, 'outbox[0]?.Put.Item').events as string)[0]).toMatchObject({
      id: 'ro-1:0:0',
      detailType: 'Rollout Started',
    });
  });

  it(`stays within ${MAX_TRANSACT_ITEMS} items: past the room left, outbox items hold several events, none dropped`, async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});
    const events = Array.from({ length: 250 }, (_, i) => event(i));

    // Act: a rollout leaving the active states (record, lock release, two alarm releases)
    await store().save(rollout({ status: 'Aborted' }), events);

    // Assess
    const items = transactItems();
    expect(items).toHaveLength(MAX_TRANSACT_ITEMS);
    const stored = items
      .filter((i) => i.Put?.Item?.pk === 'OUTBOX')
      .flatMap((i) => JSON.parse(defined(i.Put?.Item, 'i.Put.Item').events as string));
    expect(stored.map((e: { id: string }) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('pendingEvents reads one page of the outbox; deleteEvents deletes by key', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'OUTBOX', sk: 'k1', events: JSON.stringify([event(0)]) }] });
    ddb.on(DeleteCommand).resolves({});

    // Act
    const pending = await store().pendingEvents(25);
    await store().deleteEvents(['k1']);

    // Assess
    expect(pending).toEqual([{ key: 'k1', events: [event(0)] }]);
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({ Limit: 25, ConsistentRead: true });
    expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input.Key).toEqual({ pk: 'OUTBOX', sk: 'k1' });
  });
});

describe('DynamoDbRolloutStore.list', () => {
  it('asks for one more than the page; more follow only then, and the next page starts after the last one shown', async () => {
    // Prepare: the index answers two rollouts for a page of one (and DynamoDB has evaluated further)
    const [a, b] = [rollout(), { ...rollout(), id: 'ro-2' }];
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [a, b].map((r) => ({ version: 3, doc: JSON.stringify(r) })),
        LastEvaluatedKey: { pk: 'ROLLOUT#ro-2', sk: 'ROLLOUT', gsi1pk: 'CLUSTER#sandbox', gsi1sk: 'x' },
      })
      .resolvesOnce({ Items: [] });

    // Act
    const first = await store().list({ cluster: 'sandbox', namespace: 'shop', limit: 1 });
    const second = await store().list({ cluster: 'sandbox', namespace: 'shop', limit: 1, after: first.next });

    // Assess
    expect(first.rollouts).toEqual([{ ...a, version: 3 }]);
    expect(first.next).toBe(rolloutListPosition(a));
    expect(second).toEqual({ rollouts: [] });
    const [q1, q2] = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(q1).toMatchObject({ IndexName: 'gsi1', Limit: 2, ScanIndexForward: false, ExclusiveStartKey: undefined });
    expect(q2?.ExclusiveStartKey).toEqual({
      pk: `ROLLOUT#${a.id}`,
      sk: 'ROLLOUT',
      gsi1pk: 'CLUSTER#sandbox',
      gsi1sk: rolloutListPosition(a),
    });
  });

  it('leaves hidden namespaces out in the query itself, and queries on while the filter leaves the page short', async () => {
    // Prepare: the first answer is all filtered out, with more to evaluate
    const r = rollout();
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: 'p', sk: 's', gsi1pk: 'g', gsi1sk: 'h' } })
      .resolvesOnce({ Items: [{ version: 1, doc: JSON.stringify(r) }] });

    // Act
    const page = await store().list({ cluster: 'sandbox', limit: 5, hiddenNamespaces: ['kube-system'] });

    // Assess
    expect(page).toEqual({ rollouts: [{ ...r, version: 1 }] });
    const [q1, q2] = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(q1).toMatchObject({
      FilterExpression: 'NOT begins_with(gsi1sk, :hidden0)',
      ExpressionAttributeValues: { ':pk': 'CLUSTER#sandbox', ':hidden0': 'kube-system/' },
    });
    expect(q2?.ExclusiveStartKey).toEqual({ pk: 'p', sk: 's', gsi1pk: 'g', gsi1sk: 'h' });
  });

  it.each([
    ['not a position', 'garbage'],
    ['another namespace', 'team-a/web#t#ro-1'],
  ])(
    'a start position outside the list (%s) is a ValidationError naming nextToken, and no query runs',
    async (_c, after) => {
      // Act
      const error = await store()
        .list({ cluster: 'sandbox', namespace: 'shop', limit: 1, after })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details[0]?.field).toBe('nextToken');
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    },
  );
});
