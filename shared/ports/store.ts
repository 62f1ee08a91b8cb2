import type { Operation } from '../domain/operation';

/** Durable records of operations. Implementations make `update` atomic per record. */
export interface OperationStore {
  /** Fails with ConflictError if the id exists. */
  create(operation: Operation): Promise<void>;
  get(id: string): Promise<Operation | undefined>;
  /**
   * Reads, applies `change`, and writes back only if nobody wrote in between (retrying on a clash).
   * Returns the stored result. `change` must be pure: it may run more than once.
   */
  update(id: string, change: (current: Operation) => Operation): Promise<Operation>;
}
