import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Operation } from '../../domain/operation';
import { ConflictError, NotFoundError, TransientError } from '../../errors';
import type { OperationStore } from '../../ports/store';
import { lockChange, lockConflict } from '../operation-locks';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';
import { expiresAt, FINISHED_RECORD_TTL_SECONDS } from './ttl';

const MAX_OPTIMISTIC_ATTEMPTS = 10;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Operations in the single eksflow table:
 *   OP#<id> / OP          the operation (gsi1: OPS#<cluster> / <createdAt>#<id>, for a cluster's recent operations);
 *                         once it stops running, `expiresAt` (TTL) too, removed again by a retry
 *   OPLOCK#<key> / LOCK   held by the one running operation with that lock ({operationId}; gsi1: OPLOCKS / <key>,
 *                         a sparse index of the held locks, since the item exists only while held)
 * `version` guards every write; a lock is taken and released in the same transaction as the operation.
 */
export class DynamoDbOperationStore implements OperationStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({ ...SDK_RETRY_OFF }),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(operation: Operation): Promise<void> {
    const items: TransactItem[] = [
      { Put: { TableName: this.tableName, Item: toItem(operation), ConditionExpression: 'attribute_not_exists(pk)' } },
    ];
    if (operation.lock && operation.status === 'Running') items.push(this.takeLock(operation.lock, operation.id));
    await this.transact(items, operation.lock, () => new ConflictError(`operation ${operation.id} already exists`));
  }

  async get(id: string): Promise<Operation | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: `OP#${id}`, sk: 'OP' }, ConsistentRead: true }),
      ),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async update(id: string, change: (current: Operation) => Operation): Promise<Operation> {
    for (let attempt = 0; attempt < MAX_OPTIMISTIC_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      if (!current) throw new NotFoundError(`operation ${id} not found`);
      const next = change(current);
      if (next === current) return current; // nothing to write: the change was already applied
      const written = { ...next, version: current.version + 1 };
      const items: TransactItem[] = [
        {
          Put: {
            TableName: this.tableName,
            Item: toItem(written),
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': current.version },
          },
        },
      ];
      const lock = lockChange(current, written);
      if (lock?.take) items.push(this.takeLock(lock.key, id));
      if (lock?.release)
        items.push({
          Delete: {
            TableName: this.tableName,
            Key: { pk: `OPLOCK#${lock.key}`, sk: 'LOCK' },
            // Only our own lock: never release one another operation holds.
            ConditionExpression: 'attribute_not_exists(pk) OR operationId = :id',
            ExpressionAttributeValues: { ':id': id },
          },
        });
      try {
        await this.transact(items, lock?.take ? lock.key : undefined);
        return written;
      } catch (error) {
        if (!(error instanceof VersionClash)) throw error;
      }
    }
    throw new TransientError(`operation ${id}: too many concurrent writers`);
  }

  async listByCluster(cluster: string, limit: number): Promise<Operation[]> {
    const out = await awsCall('DynamoDB Query', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': `OPS#${cluster}` },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (out.Items ?? []).map(fromItem);
  }

  /** The sweep's read: a Query of the held locks' sparse index, never a Scan of the table. */
  async heldLocks(prefix: string): Promise<{ key: string; operationId: string }[]> {
    const held: { key: string; operationId: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await awsCall('DynamoDB Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :locks AND begins_with(gsi1sk, :prefix)',
            ExpressionAttributeValues: { ':locks': HELD_LOCKS, ':prefix': prefix },
            ExclusiveStartKey: start,
          }),
        ),
      );
      // The index is eventually consistent: callers re-read each operation before acting on its lock.
      for (const item of out.Items ?? [])
        held.push({ key: String(item.gsi1sk), operationId: String(item.operationId) });
      start = out.LastEvaluatedKey;
    } while (start);
    return held;
  }

  private takeLock(key: string, id: string): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { pk: `OPLOCK#${key}`, sk: 'LOCK', gsi1pk: HELD_LOCKS, gsi1sk: key, operationId: id },
        ConditionExpression: 'attribute_not_exists(pk) OR operationId = :id',
        ExpressionAttributeValues: { ':id': id },
      },
    };
  }

  /**
   * One transaction. A failed condition on the record is a VersionClash (re-read and try again), or
   * `exists()` for a create; on the lock, a ConflictError naming the holder.
   */
  private async transact(items: TransactItem[], lockKey: string | undefined, exists?: () => Error): Promise<void> {
    try {
      await awsCall('DynamoDB TransactWriteItems', () =>
        this.doc.send(new TransactWriteCommand({ TransactItems: items })),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'TransactionCanceledException') throw error;
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw exists ? exists() : new VersionClash();
      if (lockKey && reasons[1]?.Code === 'ConditionalCheckFailed') {
        const holder = await this.lockHolder(lockKey);
        throw lockConflict(lockKey, holder ?? 'another operation');
      }
      // Another transaction touched the same items at the same moment: re-read and decide again.
      throw reasons.some((r) => r.Code === 'TransactionConflict') ? new VersionClash() : error;
    }
  }

  private async lockHolder(key: string): Promise<string | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: `OPLOCK#${key}`, sk: 'LOCK' }, ConsistentRead: true }),
      ),
    );
    return out.Item?.operationId as string | undefined;
  }
}

/** The record changed since it was read. */
class VersionClash extends Error {}

/** gsi1 partition of the held locks (lock items exist only while held: a sparse index). */
const HELD_LOCKS = 'OPLOCKS';

function toItem(operation: Operation): Record<string, unknown> {
  return {
    pk: `OP#${operation.id}`,
    sk: 'OP',
    gsi1pk: `OPS#${operation.cluster}`,
    gsi1sk: `${operation.createdAt}#${operation.id}`,
    ...operation,
    // Every write puts the whole item: a retried operation (Running again) loses its expiry.
    ...(operation.status === 'Running'
      ? {}
      : { expiresAt: expiresAt(operation.updatedAt, FINISHED_RECORD_TTL_SECONDS) }),
  };
}

function fromItem(item: Record<string, unknown>): Operation {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expiresAt: _ttl, ...operation } = item;
  return operation as unknown as Operation;
}
