import { NotFoundError } from '../../kernel/errors';
import { CONFLICT_ATTEMPTS, retryOnConflict } from '../../kernel/retry';
import { nextVersion, type Operation } from '../domain/operation';
import { lockChange } from '../domain/operation-locks';

/** A held lock and its running operation; `since` (where its lease starts) is absent on locks taken before leases. */
export interface HeldOperationLock {
  key: string;
  operationId: string;
  since?: string;
}

/** Durable records of operations. Implementations make `update` atomic per record. */
export interface OperationStore {
  /**
   * Fails with ConflictError if the id exists, or if `operation.lock` is held by another running
   * operation (the error names it, in `details` as field `operationId`).
   */
  create(operation: Operation): Promise<void>;
  get(id: string): Promise<Operation | undefined>;
  /**
   * Reads, applies `change`, and writes back only if nobody wrote in between (retrying on a clash).
   * Returns the stored result. `change` must be pure: it may run more than once. An operation that stops
   * running releases its lock in the same write; one that runs again (a retry) takes it again, or fails
   * with ConflictError when another operation holds it.
   */
  update(id: string, change: (current: Operation) => Operation): Promise<Operation>;
  /**
   * One more invocation of `task` in the operation's cost, as one atomic write that never conflicts: parallel
   * tasks (a Map's branches) count at the same moment, and a read-modify-write of the whole record would make
   * them race each other and the steps' own updates. It bumps the version, so an `update` that read before it
   * reads again and keeps the count. NotFoundError for an unknown id.
   */
  countInvocation(id: string, task: string): Promise<void>;
  /** The cluster's operations, newest first. */
  listByCluster(cluster: string, limit: number): Promise<Operation[]>;
  /** The locks held now whose key starts with `prefix` (e.g. `cluster:`), each with its running operation. */
  heldLocks(prefix: string): Promise<HeldOperationLock[]>;
  /** The operation holding the lock `key` now (a consistent read), or undefined when it is free. */
  lockHolder(key: string): Promise<string | undefined>;
  /**
   * The sweep's way to break a lock whose holder ended or never got recorded: removes it only if `operationId`
   * still holds it. False when it did not (free already, or another operation's).
   */
  breakLock(key: string, operationId: string): Promise<boolean>;
}

/** What a write of the next version does to the operation's lock (`lockChange`): take it, release it, or neither. */
export type LockChange = ReturnType<typeof lockChange>;

/**
 * The read-decide-write loop of `OperationStore.update`, the same in every store: reads the record through
 * `store.get`, applies `change`, and has `write` store the next version only if it changed. `write` must refuse
 * with a VersionConflictError when the stored record is no longer at `current.version`: the record is then read
 * and decided again, up to CONFLICT_ATTEMPTS.record times (retryOnConflict). Returns the stored result.
 */
export function updateOperation(
  store: Pick<OperationStore, 'get'>,
  id: string,
  change: (current: Operation) => Operation,
  write: (current: Operation, written: Operation, lock: LockChange) => Promise<void>,
): Promise<Operation> {
  return retryOnConflict(
    `operation ${id}`,
    async () => {
      const current = await store.get(id);
      if (!current) throw new NotFoundError(`operation ${id} not found`);
      const written = nextVersion(current, change);
      if (!written) return current;
      await write(current, written, lockChange(current, written));
      return written;
    },
    CONFLICT_ATTEMPTS.record,
  );
}
