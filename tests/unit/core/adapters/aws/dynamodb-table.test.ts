import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  Conditions,
  DynamoTable,
  Keys,
  TransactionCancelled,
  withoutKeys,
} from '../../../../../core/adapters/aws/dynamodb-table';

const ddb = mockClient(DynamoDBDocumentClient);
const table = () => new DynamoTable('eksflow', new DynamoDBClient({ region: 'us-east-1' }));
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });

beforeEach(() => ddb.reset());

describe('DynamoTable.queryAll', () => {
  it('reads page after page from where the last one stopped, until DynamoDB says no more', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ n: 1 }, { n: 2 }], LastEvaluatedKey: { pk: 'a', sk: '2' } })
      .resolvesOnce({ Items: [{ n: 3 }], LastEvaluatedKey: { pk: 'a', sk: '3' } })
      .resolvesOnce({ Items: [] });

    // Act
    const items = await table().queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: {} });

    // Assess
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const starts = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.ExclusiveStartKey);
    expect(starts).toEqual([undefined, { pk: 'a', sk: '2' }, { pk: 'a', sk: '3' }]);
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.TableName).toBe('eksflow');
  });

  it('with a Limit, stops once it holds that many, though more pages follow', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ n: 1 }], LastEvaluatedKey: { pk: 'a', sk: '1' } })
      .resolvesOnce({ Items: [{ n: 2 }], LastEvaluatedKey: { pk: 'a', sk: '2' } });

    // Act
    const items = await table().queryAll({ KeyConditionExpression: 'pk = :pk', Limit: 2 });

    // Assess
    expect(items).toEqual([{ n: 1 }, { n: 2 }]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
  });
});

describe('DynamoTable.transact', () => {
  it('answers a cancelled transaction as TransactionCancelled (not thrown), one typed reason per item in order', async () => {
    // Prepare
    const cancelled = Object.assign(new Error('cancelled'), {
      name: 'TransactionCanceledException',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, {}],
    });
    ddb.on(TransactWriteCommand).rejects(cancelled);

    // Act
    const answer = await table().transact([table().putItem({ ...Keys.operation('o1') }, Conditions.absent)]);

    // Assess
    expect(answer).toBeInstanceOf(TransactionCancelled);
    const reasons = answer as TransactionCancelled;
    expect(reasons.reasons).toEqual(['None', 'ConditionalCheckFailed', 'None']);
    expect([reasons.conditionFailed(0), reasons.conditionFailed(1)]).toEqual([false, true]);
    expect(reasons.raced).toBe(false);
    expect(reasons.original).toBe(cancelled);
  });

  it('answers nothing for a transaction that went through', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const answer = await table().transact([table().putItem({ ...Keys.operation('o1') }, Conditions.absent)]);

    // Assess
    expect(answer).toBeUndefined();
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('a transaction that raced another is marked so (re-read and decide again)', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(
      Object.assign(new Error('cancelled'), {
        name: 'TransactionCanceledException',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: [{ Code: 'TransactionConflict' }],
      }),
    );

    // Act
    const cancelled = await table().transact([]);

    // Assess
    expect(cancelled?.raced).toBe(true);
  });

  it('lets any other failure through unchanged', async () => {
    // Prepare
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));

    // Act / Assess
    await expect(table().transact([])).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('DynamoTable conditional writes', () => {
  it('answer false when the condition refused them, and send the condition with only the values it names', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(DeleteCommand).rejects(conditionFailed());

    // Act
    const put = await table().put({ ...Keys.idempotency('h') }, Conditions.absent);
    const update = await table().update(
      Keys.policy('c', 'ng', 'p'),
      { expression: 'SET lastFiredAt = :value', values: { ':value': 't1' } },
      Conditions.present,
    );
    const deleted = await table().delete(Keys.operationLock('cluster:c'), Conditions.equals('operationId', 'op-1'));

    // Assess
    expect([put, update, deleted]).toEqual([false, false, false]);
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'eksflow',
      Item: { pk: 'IDEMPOTENCY#h', sk: 'IDEMPOTENCY' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'NG#c#ng', sk: 'POLICY#p' },
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':value': 't1' },
    });
    expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'operationId = :operationId',
      ExpressionAttributeValues: { ':operationId': 'op-1' },
    });
  });

  it('a delete answers the item it removed, or undefined when there was none', async () => {
    // Prepare
    ddb
      .on(DeleteCommand)
      .resolvesOnce({ Attributes: { pk: 'x', sk: 'y', n: 1 } })
      .resolvesOnce({});

    // Act
    const removed = await table().delete({ pk: 'x', sk: 'y' });
    const none = await table().delete({ pk: 'x', sk: 'y' });

    // Assess
    expect(removed).toEqual({ pk: 'x', sk: 'y', n: 1 });
    expect(none).toBeUndefined();
  });

  it('lets a failure other than the condition through', async () => {
    // Prepare
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));

    // Act / Assess
    await expect(table().put({ pk: 'a', sk: 'b' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('DynamoTable locks', () => {
  const holder = { attribute: 'operationId', id: 'op-1' } as const;

  it('takes a lock for its holder (again by the same holder), and releases only its own', () => {
    // Act
    const take = table().takeLockItem(Keys.operationLock('cluster:c'), holder, { since: 't0' });
    const takeOnce = table().takeLockItem(Keys.activeRollout('c/ns/web'), holder, {}, Conditions.absent);
    const release = table().releaseLockItem(Keys.operationLock('cluster:c'), holder);

    // Assess
    expect(take).toEqual({
      Put: {
        TableName: 'eksflow',
        Item: { pk: 'OPLOCK#cluster:c', sk: 'LOCK', operationId: 'op-1', since: 't0' },
        ConditionExpression: 'attribute_not_exists(pk) OR operationId = :id',
        ExpressionAttributeValues: { ':id': 'op-1' },
      },
    });
    expect(takeOnce.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(release).toEqual({
      Delete: {
        TableName: 'eksflow',
        Key: { pk: 'OPLOCK#cluster:c', sk: 'LOCK' },
        ConditionExpression: 'attribute_not_exists(pk) OR operationId = :id',
        ExpressionAttributeValues: { ':id': 'op-1' },
      },
    });
  });

  it('breaks a lock only while the named holder has it: the removed item, or undefined', async () => {
    // Prepare
    ddb
      .on(DeleteCommand)
      .resolvesOnce({ Attributes: { pk: 'OPLOCK#cluster:c', sk: 'LOCK', operationId: 'op-1' } })
      .rejectsOnce(conditionFailed());

    // Act
    const broken = await table().breakLock(Keys.operationLock('cluster:c'), holder);
    const notHeld = await table().breakLock(Keys.operationLock('cluster:c'), holder);

    // Assess
    expect(broken).toEqual({ pk: 'OPLOCK#cluster:c', sk: 'LOCK', operationId: 'op-1' });
    expect(notHeld).toBeUndefined();
    expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'operationId = :operationId',
      ExpressionAttributeValues: { ':operationId': 'op-1' },
    });
  });
});

describe('the key schema', () => {
  it('spells each entity’s key as the items already stored hold it', () => {
    // Act / Assess
    expect([
      Keys.rollout('r1'),
      Keys.activeRollout('c/ns/web'),
      Keys.alarmRollout('a1', 'r1'),
      Keys.outbox('r1#0001'),
      Keys.operation('o1'),
      Keys.operationLock('cluster:c'),
      Keys.operationLock('nodegroup:c/ng'),
      Keys.waitingTrigger('c', 'ng', 't#000000000001'),
      Keys.recentOperation('c', 'ng', 't', 'o1'),
      Keys.schedule('c', 'ng', 's'),
      Keys.policy('c', 'ng', 'p'),
      Keys.alarmChangeLatest('a1'),
      Keys.alarmChangeCheck('a1', 't', 'ALARM'),
      Keys.idempotency('h'),
    ]).toEqual([
      { pk: 'ROLLOUT#r1', sk: 'ROLLOUT' },
      { pk: 'ACTIVE', sk: 'c/ns/web' },
      { pk: 'ALARM#a1', sk: 'ROLLOUT#r1' },
      { pk: 'OUTBOX', sk: 'r1#0001' },
      { pk: 'OP#o1', sk: 'OP' },
      { pk: 'OPLOCK#cluster:c', sk: 'LOCK' },
      { pk: 'OPLOCK#nodegroup:c/ng', sk: 'LOCK' },
      { pk: 'NG#c#ng', sk: 'WAIT#t#000000000001' },
      { pk: 'NG#c#ng', sk: 'OP#t#o1' },
      { pk: 'NG#c#ng', sk: 'SCHEDULE#s' },
      { pk: 'NG#c#ng', sk: 'POLICY#p' },
      { pk: 'ALARMCHANGE#a1', sk: 'LATEST' },
      { pk: 'ALARMCHANGE#a1', sk: 'CHECK#t#ALARM' },
      { pk: 'IDEMPOTENCY#h', sk: 'IDEMPOTENCY' },
    ]);
  });

  it('reads a record back without its key, index and TTL attributes', () => {
    // Act / Assess
    expect(
      withoutKeys({ pk: 'a', sk: 'b', gsi1pk: 'c', gsi1sk: 'd', gsi2pk: 'e', gsi2sk: 'f', expiresAt: 1, name: 'n' }),
    ).toEqual({ name: 'n' });
  });
});
