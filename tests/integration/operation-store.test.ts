import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../local/sandbox/aws-fixtures';
import { DynamoDbOperationStore } from '../../shared/adapters/aws/dynamodb-operation-store';
import { finished, newOperation, retried } from '../../shared/domain/operation';
import { awsClientConfig, testTableName } from '../helpers/stack';

/** The operation store on the emulator's DynamoDB: one running operation per lock, taken and released atomically. */
describe('DynamoDbOperationStore', () => {
  let store: DynamoDbOperationStore;
  beforeAll(async () => {
    const table = testTableName();
    await ensureTable(awsClientConfig(), table);
    store = new DynamoDbOperationStore(table, new DynamoDBClient(awsClientConfig()));
  });
  const t0 = new Date('2026-01-01T00:00:00Z');
  const op = (id: string, cluster: string, at = t0) => ({
    ...newOperation(id, 'ProvisionCluster', cluster, at),
    lock: `cluster:${cluster}`,
  });

  it('a second running operation with the same lock is a 409 naming the first; it is free once the first ends', async () => {
    // Prepare
    await store.create(op('a1', 'c-a'));

    // Act
    const second = await store.create(op('a2', 'c-a')).catch((error: unknown) => error);
    await store.update('a1', (o) => finished(o, {}, t0));
    await store.create(op('a3', 'c-a'));

    // Assess
    expect(second).toMatchObject({
      status: 409,
      details: [{ field: 'operationId', reason: expect.stringContaining('a1') }],
    });
    expect(await store.get('a2')).toBeUndefined();
    expect((await store.get('a3'))?.status).toBe('Running');
  });

  it('a retried (Failed → Running) operation takes the lock again, or is refused while another holds it', async () => {
    // Prepare
    await store.create(op('b1', 'c-b'));
    await store.update('b1', (o) => finished(o, { error: { code: 'X', message: 'x' } }, t0));
    await store.create(op('b2', 'c-b'));

    // Act
    const refused = await store.update('b1', (o) => retried(o, t0)).catch((error: unknown) => error);
    await store.update('b2', (o) => finished(o, {}, t0));
    const again = await store.update('b1', (o) => retried(o, t0));

    // Assess
    expect(refused).toMatchObject({ status: 409, message: expect.stringContaining('b2') });
    expect(again.status).toBe('Running');
    const third = await store.create(op('b3', 'c-b')).catch((error: unknown) => error);
    expect(third).toMatchObject({ status: 409, message: expect.stringContaining('b1') });
  });

  it("lists a cluster's operations newest first", async () => {
    // Prepare
    await store.create({ ...op('d1', 'c-d', new Date('2026-01-01T00:00:00Z')), lock: undefined });
    await store.create({ ...op('d2', 'c-d', new Date('2026-01-02T00:00:00Z')), lock: undefined });
    await store.create({ ...op('e1', 'c-e'), lock: undefined });

    // Act
    const listed = await store.listByCluster('c-d', 10);

    // Assess
    expect(listed.map((o) => o.id)).toEqual(['d2', 'd1']);
  });
});
