import { ConflictError, NotFoundError, VersionConflictError } from '../../core/kernel/errors';
import { type Operation, withInvocation } from '../../core/operations/domain/operation';
import { lockConflict } from '../../core/operations/domain/operation-locks';
import {
  type HeldOperationLock,
  type OperationStore,
  updateOperation,
} from '../../core/operations/ports/operation-store';

/** In-process store with the same semantics as the DynamoDB one; for unit tests. */
export class MemoryOperationStore implements OperationStore {
  private readonly items = new Map<string, Operation>();
  private readonly locks = new Map<string, { operationId: string; since: string }>();

  async create(operation: Operation): Promise<void> {
    if (this.items.has(operation.id)) throw new ConflictError(`operation ${operation.id} already exists`);
    if (operation.lock && operation.status === 'Running') this.take(operation.lock, operation.id, operation.updatedAt);
    this.items.set(operation.id, structuredClone(operation));
  }

  async get(id: string): Promise<Operation | undefined> {
    const item = this.items.get(id);
    return item && structuredClone(item);
  }

  async update(id: string, change: (current: Operation) => Operation): Promise<Operation> {
    return updateOperation(this, id, change, async (current, written, lock) => {
      // The version condition, as DynamoDB checks it: another update may have run while this one awaited its read.
      if (this.items.get(id)?.version !== current.version) throw new VersionConflictError(`operation ${id} changed`);
      if (lock?.take) this.take(lock.key, id, written.updatedAt);
      if (lock?.release && this.locks.get(lock.key)?.operationId === id) this.locks.delete(lock.key);
      this.items.set(id, structuredClone(written));
    });
  }

  async countInvocation(id: string, task: string): Promise<void> {
    const current = this.items.get(id);
    if (!current) throw new NotFoundError(`operation ${id} not found`);
    this.items.set(id, { ...withInvocation(current, task), version: current.version + 1 });
  }

  async listByCluster(cluster: string, limit: number): Promise<Operation[]> {
    return [...this.items.values()]
      .filter((op) => op.cluster === cluster)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, limit)
      .map((op) => structuredClone(op));
  }

  async heldLocks(prefix: string): Promise<HeldOperationLock[]> {
    return [...this.locks].filter(([key]) => key.startsWith(prefix)).map(([key, lock]) => ({ key, ...lock }));
  }

  async lockHolder(key: string): Promise<string | undefined> {
    return this.locks.get(key)?.operationId;
  }

  async breakLock(key: string, operationId: string): Promise<boolean> {
    if (this.locks.get(key)?.operationId !== operationId) return false;
    return this.locks.delete(key);
  }

  private take(key: string, id: string, since: string) {
    const holder = this.locks.get(key)?.operationId;
    if (holder && holder !== id) throw lockConflict(key, holder);
    this.locks.set(key, { operationId: id, since });
  }
}
