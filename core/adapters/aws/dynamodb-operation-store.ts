import { ConflictError, NotFoundError, TransientError, VersionConflictError } from '../../kernel/errors';
import type { Operation } from '../../operations/domain/operation';
import { lockConflict } from '../../operations/domain/operation-locks';
import { type HeldOperationLock, type OperationStore, updateOperation } from '../../operations/ports/operation-store';
import {
  Conditions,
  DynamoStore,
  Keys,
  type LockHolder,
  Partition,
  Prefix,
  type TransactItem,
  withoutKeys,
} from './dynamodb-table';
import { expiresAt, FINISHED_RECORD_TTL_SECONDS } from './ttl';

/**
 * Operations in the single eksflow table:
 *   OP#<id> / OP          the operation (gsi1: OPS#<cluster> / <createdAt>#<id>, for a cluster's recent operations);
 *                         once it stops running, `expiresAt` (TTL) too, removed again by a retry
 *   OPLOCK#<key> / LOCK   held by the one running operation with that lock ({operationId, since}; gsi1: OPLOCKS /
 *                         <key>, a sparse index of the held locks, since the item exists only while held)
 * `version` guards every write; a lock is taken and released in the same transaction as the operation.
 */
export class DynamoDbOperationStore extends DynamoStore implements OperationStore {
  async create(operation: Operation): Promise<void> {
    const items = [this.table.putItem(toItem(operation), Conditions.absent)];
    if (operation.lock && operation.status === 'Running')
      items.push(this.takeLock(operation.lock, operation.id, operation.updatedAt));
    await this.transact(items, operation.lock, () => new ConflictError(`operation ${operation.id} already exists`));
  }

  async get(id: string): Promise<Operation | undefined> {
    const item = await this.table.get(Keys.operation(id));
    return item ? withoutKeys<Operation>(item) : undefined;
  }

  async update(id: string, change: (current: Operation) => Operation): Promise<Operation> {
    return updateOperation(this, id, change, async (current, written, lock) => {
      const items = [this.table.putItem(toItem(written), Conditions.version(current.version))];
      if (lock?.take) items.push(this.takeLock(lock.key, id, written.updatedAt));
      // Only our own lock: never release one another operation holds.
      if (lock?.release) items.push(this.table.releaseLockItem(Keys.operationLock(lock.key), holder(id)));
      await this.transact(items, lock?.take ? lock.key : undefined);
    });
  }

  async countInvocation(id: string, task: string): Promise<void> {
    const key = Keys.operation(id);
    const names = { '#cost': 'cost', '#invocations': 'invocations', '#version': 'version' };
    // Two shapes: the count map exists (add one to its entry), or the record has no cost yet (start the map).
    // A record that gains its map between the two is counted by the first shape on the next turn.
    for (let turn = 0; turn < 2; turn++) {
      const added = await this.table.update(
        key,
        {
          expression:
            'SET #cost.#invocations.#task = if_not_exists(#cost.#invocations.#task, :zero) + :one, #version = #version + :one',
          values: { ':zero': 0, ':one': 1 },
        },
        { expression: 'attribute_exists(#cost.#invocations)', names: { ...names, '#task': task } },
      );
      if (added) return;
      const started = await this.table.update(
        key,
        {
          expression: 'SET #cost = :cost, #version = #version + :one',
          values: { ':cost': { invocations: { [task]: 1 } }, ':one': 1 },
        },
        { expression: `${Conditions.present.expression} AND attribute_not_exists(#cost.#invocations)`, names },
      );
      if (started) return;
      if (!(await this.table.get(key))) throw new NotFoundError(`operation ${id} not found`);
    }
    throw new TransientError(`operation ${id}: its invocation count could not be written`);
  }

  async listByCluster(cluster: string, limit: number): Promise<Operation[]> {
    const page = await this.table.queryPage({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `${Prefix.clusterOperations}${cluster}` },
      ScanIndexForward: false,
      Limit: limit,
    });
    return page.items.map((item) => withoutKeys<Operation>(item));
  }

  /** The sweep's read: a Query of the held locks' sparse index, never a Scan of the table. */
  async heldLocks(prefix: string): Promise<HeldOperationLock[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :locks AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':locks': Partition.heldOperationLocks, ':prefix': prefix },
    });
    // The index is eventually consistent: callers re-read each operation before acting on its lock.
    return items.map((item) => ({
      key: String(item.gsi1sk),
      operationId: String(item.operationId),
      ...(typeof item.since === 'string' ? { since: item.since } : {}),
    }));
  }

  async lockHolder(key: string): Promise<string | undefined> {
    return this.table.lockHolder(Keys.operationLock(key), 'operationId');
  }

  async breakLock(key: string, operationId: string): Promise<boolean> {
    return (await this.table.breakLock(Keys.operationLock(key), holder(operationId))) !== undefined;
  }

  /** `since`: when the holder took it (the record's `updatedAt` then), where its lease starts. */
  private takeLock(key: string, id: string, since: string): TransactItem {
    return this.table.takeLockItem(Keys.operationLock(key), holder(id), {
      gsi1pk: Partition.heldOperationLocks,
      gsi1sk: key,
      since,
    });
  }

  /**
   * One transaction (the record first, its lock second). A failed condition on the record is a
   * VersionConflictError (re-read and try again), or `exists()` for a create; on the lock, a ConflictError naming the holder.
   */
  private async transact(items: TransactItem[], lockKey: string | undefined, exists?: () => Error): Promise<void> {
    const cancelled = await this.table.transact(items);
    if (!cancelled) return;
    if (cancelled.conditionFailed(0)) throw exists ? exists() : changedSinceRead();
    if (lockKey && cancelled.conditionFailed(1)) {
      throw lockConflict(lockKey, (await this.lockHolder(lockKey)) ?? 'another operation');
    }
    // Another transaction touched the same items at the same moment: re-read and decide again.
    if (cancelled.raced) throw changedSinceRead();
    throw cancelled.original;
  }
}

/** The record changed since it was read: the signal `update`'s retryOnConflict catches. */
function changedSinceRead(): VersionConflictError {
  return new VersionConflictError('the operation changed since it was read');
}

const holder = (id: string): LockHolder => ({ attribute: 'operationId', id });

function toItem(operation: Operation): Record<string, unknown> {
  return {
    ...Keys.operation(operation.id),
    gsi1pk: `${Prefix.clusterOperations}${operation.cluster}`,
    gsi1sk: `${operation.createdAt}#${operation.id}`,
    ...operation,
    // Every write puts the whole item: a retried operation (Running again) loses its expiry.
    ...(operation.status === 'Running'
      ? {}
      : { expiresAt: expiresAt(operation.updatedAt, FINISHED_RECORD_TTL_SECONDS) }),
  };
}
