import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbOperationStore } from '../../../../../shared/adapters/aws/dynamodb-operation-store';
import { newOperation, withStep, type Operation } from '../../../../../shared/domain/operation';
import { ConflictError, NotFoundError, TransientError } from '../../../../../shared/errors';

const t0 = new Date('2026-01-02T03:04:05.000Z');
const TABLE = 'eksflow-test';
const ddb = mockClient(DynamoDBDocumentClient);

function conditionalCheckFailed() {
  return Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    $metadata: { httpStatusCode: 400 },
  });
}

function item(op: Operation) {
  return { pk: `OP#${op.id}`, sk: 'OP', ...op };
}

function store() {
  return new DynamoDbOperationStore(TABLE, new DynamoDBClient({ region: 'us-east-1' }));
}

beforeEach(() => ddb.reset());

describe('DynamoDbOperationStore.create', () => {
  it('puts the item under pk OP#<id> / sk OP, only if it does not exist', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    const op = newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0);

    // Act
    await store().create(op);

    // Assess
    const calls = ddb.commandCalls(PutCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      TableName: TABLE,
      Item: item(op),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('turns ConditionalCheckFailedException into ConflictError, without retrying', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionalCheckFailed());

    // Act / Assess
    await expect(store().create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('passes other non-retryable errors through', async () => {
    // Prepare
    const denied = Object.assign(new Error('no'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    ddb.on(PutCommand).rejects(denied);

    // Act / Assess
    await expect(store().create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});

describe('DynamoDbOperationStore.get', () => {
  it('reads consistently and strips the keys', async () => {
    // Prepare
    const op = newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0);
    ddb.on(GetCommand).resolves({ Item: item(op) });

    // Act
    const read = await store().get('op-1');

    // Assess
    expect(read).toEqual(op);
    expect(ddb.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'OP#op-1', sk: 'OP' },
      ConsistentRead: true,
    });
  });

  it('returns undefined when there is no item', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});

    // Act / Assess
    await expect(store().get('nope')).resolves.toBeUndefined();
  });
});

describe('DynamoDbOperationStore.update', () => {
  const step = { name: 'ControlPlaneRequested', at: t0.toISOString() };

  it('writes version + 1, conditioned on the version it read', async () => {
    // Prepare
    const op = { ...newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0), version: 3 };
    ddb.on(GetCommand).resolves({ Item: item(op) });
    ddb.on(PutCommand).resolves({});

    // Act
    const written = await store().update('op-1', (current) => withStep(current, step));

    // Assess
    expect(written.version).toBe(4);
    expect(written.steps).toEqual([step]);
    const put = ddb.commandCalls(PutCommand)[0].args[0].input;
    expect(put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': 3 },
    });
    expect(put.Item).toEqual(item({ ...op, steps: [step], updatedAt: step.at, version: 4 }));
  });

  it('re-reads and retries when another writer got in first, then writes on the new version', async () => {
    // Prepare
    const v0 = newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0);
    const v1 = withStep({ ...v0, version: 1 }, { name: 'Other', at: t0.toISOString() });
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: item(v0) })
      .resolves({ Item: item(v1) });
    ddb.on(PutCommand).rejectsOnce(conditionalCheckFailed()).resolves({});
    const change = jest.fn((current: Operation) => withStep(current, step));

    // Act
    const written = await store().update('op-1', change);

    // Assess
    expect(change).toHaveBeenCalledTimes(2);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts.map((p) => p.ExpressionAttributeValues)).toEqual([{ ':expected': 0 }, { ':expected': 1 }]);
    expect(written.version).toBe(2);
    expect(written.steps.map((s) => s.name)).toEqual(['Other', 'ControlPlaneRequested']);
  });

  it('does not write when the change returns the operation unchanged', async () => {
    // Prepare
    const op = withStep(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0), step);
    ddb.on(GetCommand).resolves({ Item: item(op) });

    // Act
    const result = await store().update('op-1', (current) => withStep(current, step));

    // Assess
    expect(result).toEqual(op);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('throws NotFoundError for an unknown id', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});

    // Act / Assess
    await expect(store().update('nope', (op) => op)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('gives up with TransientError after 10 clashes in a row', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: item(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0)) });
    ddb.on(PutCommand).rejects(conditionalCheckFailed());

    // Act / Assess
    await expect(store().update('op-1', (op) => withStep(op, step))).rejects.toBeInstanceOf(TransientError);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(10);
  });
});
