import type { Operation } from '../../domain/operation';
import { ConflictError, NotFoundError } from '../../errors';
import type { OperationStore } from '../../ports/store';

/** In-process store with the same semantics as the DynamoDB one; for unit tests. */
export class MemoryOperationStore implements OperationStore {
  private readonly items = new Map<string, Operation>();

  async create(operation: Operation): Promise<void> {
    if (this.items.has(operation.id)) throw new ConflictError(`operation ${operation.id} already exists`);
    this.items.set(operation.id, structuredClone(operation));
  }

  async get(id: string): Promise<Operation | undefined> {
    const item = this.items.get(id);
    return item && structuredClone(item);
  }

  async update(id: string, change: (current: Operation) => Operation): Promise<Operation> {
    const current = await this.get(id);
    if (!current) throw new NotFoundError(`operation ${id} not found`);
    const next = change(current);
    if (next === current) return current;
    const written = { ...next, version: current.version + 1 };
    this.items.set(id, structuredClone(written));
    return written;
  }
}
