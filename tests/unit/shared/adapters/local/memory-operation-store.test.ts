import { MemoryOperationStore } from '../../../../../shared/adapters/local/memory-operation-store';
import { newOperation, withStep } from '../../../../../shared/domain/operation';
import { ConflictError, NotFoundError } from '../../../../../shared/errors';

const t0 = new Date('2026-01-02T03:04:05.000Z');

describe('MemoryOperationStore', () => {
  it('stores and returns a copy', async () => {
    // Prepare
    const store = new MemoryOperationStore();
    const op = newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0);

    // Act
    await store.create(op);
    const read = await store.get('op-1');
    read!.steps.push({ name: 'tampered', at: 'x' });

    // Assess
    expect(read).not.toBe(op);
    expect((await store.get('op-1'))!.steps).toEqual([]);
  });

  it('refuses a second create of the same id with ConflictError', async () => {
    // Prepare
    const store = new MemoryOperationStore();
    await store.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0));

    // Act / Assess
    await expect(store.create(newOperation('op-1', 'DeleteCluster', 'other', t0))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await store.get('op-1'))!.cluster).toBe('prod-eu');
  });

  it('returns undefined for an unknown id', async () => {
    // Act / Assess
    await expect(new MemoryOperationStore().get('nope')).resolves.toBeUndefined();
  });

  it('updates with version + 1 each write', async () => {
    // Prepare
    const store = new MemoryOperationStore();
    await store.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0));

    // Act
    const first = await store.update('op-1', (op) => withStep(op, { name: 'A', at: t0.toISOString() }));
    const second = await store.update('op-1', (op) => withStep(op, { name: 'B', at: t0.toISOString() }));

    // Assess
    expect(first.version).toBe(1);
    expect(second.version).toBe(2);
    expect((await store.get('op-1'))!.steps.map((s) => s.name)).toEqual(['A', 'B']);
  });

  it('does not write (nor bump the version) when the change returns the same object', async () => {
    // Prepare
    const store = new MemoryOperationStore();
    await store.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', t0));
    await store.update('op-1', (op) => withStep(op, { name: 'A', at: t0.toISOString() }));

    // Act
    const again = await store.update('op-1', (op) => withStep(op, { name: 'A', at: t0.toISOString() }));

    // Assess
    expect(again.version).toBe(1);
    expect((await store.get('op-1'))!.version).toBe(1);
  });

  it('throws NotFoundError when updating an unknown id', async () => {
    // Act / Assess
    await expect(new MemoryOperationStore().update('nope', (op) => op)).rejects.toBeInstanceOf(NotFoundError);
  });
});
