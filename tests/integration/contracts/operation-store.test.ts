import { DynamoDbOperationStore } from '../../../core/adapters/aws/dynamodb-operation-store';
import { ConflictError, NotFoundError } from '../../../core/kernel/errors';
import { finished, newOperation, retried, withStep } from '../../../core/operations/domain/operation';
import type { OperationStore } from '../../../core/operations/ports/operation-store';
import { MemoryOperationStore } from '../../fakes/memory-operation-store';
import { defined } from '../../helpers/defined';
import { storeImplementations } from '../../helpers/store-contract';

/**
 * The OperationStore port's contract, one suite for the memory fake and the DynamoDB store: versioned updates, and
 * one running operation per lock, taken and released atomically with the record.
 */
describe.each(
  storeImplementations<OperationStore>(
    () => new MemoryOperationStore(),
    (table, client) => new DynamoDbOperationStore(table, client),
  ),
)('OperationStore contract: %s', (_name, make) => {
  let store: OperationStore;
  beforeEach(async () => {
    store = await make();
  });
  const t0 = new Date('2026-01-02T03:04:05.000Z');
  const op = (id: string, cluster: string, at = t0) => ({
    ...newOperation(id, 'ProvisionCluster', cluster, at),
    lock: `cluster:${cluster}`,
  });

  it('stores and returns a copy', async () => {
    // Prepare
    const created = newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0);

    // Act
    await store.create(created);
    const read = await store.get('op-1');
    defined(read, 'read').steps.push({ name: 'tampered', at: 'x' });

    // Assess
    expect(read).not.toBe(created);
    expect(defined(await store.get('op-1'), "store.get('op-1')").steps).toEqual([]);
  });

  it('refuses a second create of the same id with ConflictError', async () => {
    // Prepare
    await store.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0));

    // Act / Assess
    await expect(store.create(newOperation('op-1', 'DeleteCluster', 'other', t0))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(defined(await store.get('op-1'), "store.get('op-1')").cluster).toBe('prod-eu');
  });

  it('returns undefined for an unknown id', async () => {
    // Act / Assess
    await expect(store.get('nope')).resolves.toBeUndefined();
  });

  it('updates with version + 1 each write', async () => {
    // Prepare
    await store.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0));

    // Act
    const first = await store.update('op-1', (o) => withStep(o, { name: 'A', at: t0.toISOString() }));
    const second = await store.update('op-1', (o) => withStep(o, { name: 'B', at: t0.toISOString() }));

    // Assess
    expect(first.version).toBe(1);
    expect(second.version).toBe(2);
    expect(defined(await store.get('op-1'), "store.get('op-1')").steps.map((s) => s.name)).toEqual(['A', 'B']);
  });

  it('does not write (nor bump the version) when the change returns the same object', async () => {
    // Prepare
    await store.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0));
    await store.update('op-1', (o) => withStep(o, { name: 'A', at: t0.toISOString() }));

    // Act
    const again = await store.update('op-1', (o) => withStep(o, { name: 'A', at: t0.toISOString() }));

    // Assess
    expect(again.version).toBe(1);
    expect(defined(await store.get('op-1'), "store.get('op-1')").version).toBe(1);
  });

  it('concurrent updates are all applied, each on the result of those before it', async () => {
    // Prepare
    await store.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0));
    const names = ['A', 'B', 'C', 'D'];

    // Act: each write that lost the race reads again and applies its change to the winner's record
    await Promise.all(names.map((name) => store.update('op-1', (o) => withStep(o, { name, at: t0.toISOString() }))));

    // Assess
    const stored = defined(await store.get('op-1'), 'the stored operation');
    expect(stored.version).toBe(names.length);
    expect(stored.steps.map((s) => s.name).sort()).toEqual(names);
  });

  it.each([
    ['a record with no cost yet', 0],
    ['a record whose count map exists', 1],
  ])('counts every parallel invocation of %s, and updates racing the counts keep them', async (_case, before) => {
    // Prepare: five branches of a Map count at once, while two steps update the record
    await store.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0));
    for (let i = 0; i < before; i++) await store.countInvocation('op-1', 'requestControlPlane');
    const steps = ['A', 'B'];

    // Act
    await Promise.all([
      ...Array.from({ length: 5 }, () => store.countInvocation('op-1', 'ensureComponent')),
      ...steps.map((name) => store.update('op-1', (o) => withStep(o, { name, at: t0.toISOString() }))),
    ]);

    // Assess: no count lost, no step lost, and each write moved the version once
    const stored = defined(await store.get('op-1'), 'the stored operation');
    expect(stored.cost?.invocations).toEqual({
      ensureComponent: 5,
      ...(before ? { requestControlPlane: before } : {}),
    });
    expect(stored.steps.map((s) => s.name).sort()).toEqual(steps);
    expect(stored.version).toBe(before + 5 + steps.length);
  });

  it('counting an invocation of an unknown id is a NotFoundError', async () => {
    // Act / Assess
    await expect(store.countInvocation('nope', 'ensureComponent')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('throws NotFoundError when updating an unknown id', async () => {
    // Act / Assess
    await expect(store.update('nope', (o) => o)).rejects.toBeInstanceOf(NotFoundError);
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

  it('lists the held locks under a prefix, each with its holder and since when, and none once its operation ends', async () => {
    // Prepare
    await store.create(op('h1', 'c-h'));
    await store.create(op('h2', 'c-i'));
    await store.create({ ...op('h3', 'c-j'), lock: 'nodegroup:c-j/ng' });
    await store.update('h2', (o) => finished(o, {}, t0));

    // Act
    const held = await store.heldLocks('cluster:');

    // Assess
    expect(held).toEqual([{ key: 'cluster:c-h', operationId: 'h1', since: t0.toISOString() }]);
  });

  it('a node-group lock: taken by one change, refused to another naming the holder; another group is free', async () => {
    // Prepare
    const change = (id: string, nodegroup: string) => ({
      ...newOperation(id, 'ScaleNodegroup', 'c1', t0),
      lock: `nodegroup:c1/${nodegroup}`,
    });
    await store.create(change('n1', 'ng1'));

    // Act
    const other = await store.create(change('n2', 'ng1')).catch((error: unknown) => error);
    await store.create(change('n3', 'ng2'));

    // Assess
    expect(other).toMatchObject({
      status: 409,
      details: [{ field: 'operationId', reason: expect.stringContaining('n1') }],
    });
    expect(await store.lockHolder('nodegroup:c1/ng1')).toBe('n1');
    expect(await store.lockHolder('nodegroup:c1/ng2')).toBe('n3');
    expect(await store.lockHolder('nodegroup:c1/ng3')).toBeUndefined();
  });

  it('names the holder of a lock, and breaks it only for that holder, freeing it for the next operation', async () => {
    // Prepare
    await store.create(op('k1', 'c-k'));

    // Act
    const holder = await store.lockHolder('cluster:c-k');
    const refused = await store.breakLock('cluster:c-k', 'someone-else');
    const heldStill = await store.lockHolder('cluster:c-k');
    const broken = await store.breakLock('cluster:c-k', 'k1');
    const again = await store.breakLock('cluster:c-k', 'k1');
    await store.create(op('k2', 'c-k'));

    // Assess
    expect([holder, refused, heldStill, broken, again]).toEqual(['k1', false, 'k1', true, false]);
    expect(await store.lockHolder('cluster:c-k')).toBe('k2');
    expect(await store.lockHolder('cluster:free')).toBeUndefined();
  });
});
