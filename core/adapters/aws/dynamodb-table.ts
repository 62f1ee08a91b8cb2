import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  type TranslateConfig,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';

/**
 * The single eksflow table, as every DynamoDB store sees it: the key schema (each partition and sort-key prefix
 * named once, so writers and readers cannot disagree), and the few ways the stores touch it — a consistent get,
 * conditional writes that answer false instead of throwing, every page of a query, and transactions whose
 * cancellation reasons come back typed. Stored item shapes are the stores' own; this module only names keys.
 *
 * Items (pk / sk), by store:
 *   rollouts        ROLLOUT#<id> / ROLLOUT, ACTIVE / <cluster>/<ns>/<dep>, ALARM#<alarm> / ROLLOUT#<id>,
 *                   OUTBOX / <sequence>; gsi1 CLUSTER#<cluster>
 *   operations      OP#<id> / OP, OPLOCK#<key> / LOCK; gsi1 OPS#<cluster>, OPLOCKS
 *   scaling         NG#<cluster>#<ng> / WAIT#<at>#<n> | OP#<at>#<id> | SCHEDULE#<name> | POLICY#<name>;
 *                   gsi1 SCHEDULES, ALARM#<alarm>; gsi2 POLICIES (a change's lock is an OPLOCK#nodegroup:…)
 *   alarm changes   ALARMCHANGE#<alarm> / LATEST | CHECK#<time>#<state>
 *   idempotency     IDEMPOTENCY#<hash> / IDEMPOTENCY
 */

export type Key = { pk: string; sk: string };
export type Item = Record<string, unknown>;

/** Partition/sort-key prefixes and fixed key values. Changing one orphans the items already stored. */
export const Prefix = {
  rollout: 'ROLLOUT#',
  alarm: 'ALARM#',
  cluster: 'CLUSTER#',
  operation: 'OP#',
  operationLock: 'OPLOCK#',
  clusterOperations: 'OPS#',
  nodegroup: 'NG#',
  schedule: 'SCHEDULE#',
  policy: 'POLICY#',
  /** A trigger waiting for a node group's change in flight. */
  waitingTrigger: 'WAIT#',
  /** A node group's recent operation (sort key): the same text as `operation`, in another partition. */
  recentOperation: 'OP#',
  alarmChange: 'ALARMCHANGE#',
  alarmCheck: 'CHECK#',
  idempotency: 'IDEMPOTENCY#',
} as const;

/** Whole partition keys that are not per entity: the sparse indexes the sweeps query, and fixed partitions. */
export const Partition = {
  activeRollouts: 'ACTIVE',
  outbox: 'OUTBOX',
  /** gsi1: the held operation locks (a lock item exists only while held). */
  heldOperationLocks: 'OPLOCKS',
  /** gsi1: every schedule. */
  schedules: 'SCHEDULES',
  /** gsi2: every policy. */
  policies: 'POLICIES',
} as const;

/** Key builders: the one place each entity's key is spelled. */
export const Keys = {
  rollout: (id: string): Key => ({ pk: `${Prefix.rollout}${id}`, sk: 'ROLLOUT' }),
  activeRollout: (target: string): Key => ({ pk: Partition.activeRollouts, sk: target }),
  alarmRollout: (alarm: string, rolloutId: string): Key => ({
    pk: `${Prefix.alarm}${alarm}`,
    sk: `${Prefix.rollout}${rolloutId}`,
  }),
  outbox: (sequence: string): Key => ({ pk: Partition.outbox, sk: sequence }),
  operation: (id: string): Key => ({ pk: `${Prefix.operation}${id}`, sk: 'OP' }),
  operationLock: (lock: string): Key => ({ pk: `${Prefix.operationLock}${lock}`, sk: 'LOCK' }),
  nodegroup: (cluster: string, nodegroup: string): string => `${Prefix.nodegroup}${cluster}#${nodegroup}`,
  waitingTrigger: (cluster: string, nodegroup: string, order: string): Key => ({
    pk: Keys.nodegroup(cluster, nodegroup),
    sk: `${Prefix.waitingTrigger}${order}`,
  }),
  recentOperation: (cluster: string, nodegroup: string, at: string, operationId: string): Key => ({
    pk: Keys.nodegroup(cluster, nodegroup),
    sk: `${Prefix.recentOperation}${at}#${operationId}`,
  }),
  schedule: (cluster: string, nodegroup: string, name: string): Key => ({
    pk: Keys.nodegroup(cluster, nodegroup),
    sk: `${Prefix.schedule}${name}`,
  }),
  policy: (cluster: string, nodegroup: string, name: string): Key => ({
    pk: Keys.nodegroup(cluster, nodegroup),
    sk: `${Prefix.policy}${name}`,
  }),
  alarmChangeLatest: (alarm: string): Key => ({ pk: `${Prefix.alarmChange}${alarm}`, sk: 'LATEST' }),
  alarmChangeCheck: (alarm: string, time: string, state: string): Key => ({
    pk: `${Prefix.alarmChange}${alarm}`,
    sk: `${Prefix.alarmCheck}${time}#${state}`,
  }),
  idempotency: (id: string): Key => ({ pk: `${Prefix.idempotency}${id}`, sk: 'IDEMPOTENCY' }),
} as const;

/** The index attributes every store adds beside its record; `withoutKeys` drops them on read. */
const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt'] as const;

/** The record an item holds, without its key, index and TTL attributes. */
export function withoutKeys<T>(item: Item): T {
  const rest: Item = { ...item };
  for (const attribute of KEY_ATTRIBUTES) delete rest[attribute];
  return rest as T;
}

/** A condition expression with the values (and names) it refers to. */
export type Condition = { expression: string; values?: Item; names?: Record<string, string> };

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Who holds a lock item: the attribute naming the holder, and its id. A lock is an item that exists only while
 * held, taken in the same transaction as its holder's record and released by the write that ends the work.
 */
export type LockHolder = { attribute: 'operationId' | 'rolloutId'; id: string };

/** Why DynamoDB refused one item of a transaction (its `CancellationReasons[i].Code`). */
export type CancellationCode =
  | 'None'
  | 'ConditionalCheckFailed'
  | 'TransactionConflict'
  | 'ItemCollectionSizeLimitExceeded'
  | 'ProvisionedThroughputExceeded'
  | 'ThrottlingError'
  | 'ValidationError'
  | (string & {});

/**
 * A transaction DynamoDB cancelled, with one reason per item, in the order the items were sent: what
 * `DynamoTable.transact` answers instead of throwing, for the store to decide what it means.
 */
export class TransactionCancelled {
  constructor(
    readonly reasons: CancellationCode[],
    /** The SDK's TransactionCanceledException, to throw when no reason is one the store expects. */
    readonly original: unknown,
  ) {}

  /** Whether item `index`'s condition failed. */
  conditionFailed(index: number): boolean {
    return this.reasons[index] === 'ConditionalCheckFailed';
  }

  /** Another transaction touched the same items at the same moment: re-reading and deciding again is safe. */
  get raced(): boolean {
    return this.reasons.includes('TransactionConflict');
  }
}

const CONDITION_FAILED = 'ConditionalCheckFailedException';

/** What every store over the table starts from: its DynamoTable, built from the table name and an optional client. */
export abstract class DynamoStore {
  protected readonly table: DynamoTable;

  constructor(
    tableName: string,
    client?: DynamoDBClient,
    marshallOptions?: NonNullable<TranslateConfig['marshallOptions']>,
  ) {
    this.table = new DynamoTable(tableName, client, marshallOptions);
  }
}

/** The single eksflow table through the document client; every call goes through `awsCall` (retry, errors). */
export class DynamoTable {
  readonly doc: DynamoDBDocumentClient;

  /** Without a client, one with the SDK's retries off: `awsCall` is the one retry layer (core/kernel/retry.ts). */
  constructor(
    readonly name: string,
    client: DynamoDBClient = new DynamoDBClient({ ...SDK_RETRY_OFF }),
    marshallOptions: NonNullable<TranslateConfig['marshallOptions']> = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, ...marshallOptions },
    });
  }

  /** A strongly consistent read of one item. */
  async get(key: Key): Promise<Item | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true })),
    );
    return out?.Item; // `out` is only ever absent from a mocked client, never from the SDK
  }

  /** A put, conditional when `condition` is given: false when the condition refused it. */
  async put(item: Item, condition?: Condition): Promise<boolean> {
    return conditional(() =>
      awsCall('DynamoDB PutItem', () =>
        this.doc.send(new PutCommand({ TableName: this.name, Item: item, ...conditionInput(condition) })),
      ),
    );
  }

  /** An update: false when the condition refused it. `update.values` join the condition's values. */
  async update(key: Key, update: { expression: string; values?: Item }, condition: Condition): Promise<boolean> {
    const values = { ...update.values, ...condition.values };
    return conditional(() =>
      awsCall('DynamoDB UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.name,
            Key: key,
            UpdateExpression: update.expression,
            ...conditionInput({ ...condition, values }),
          }),
        ),
      ),
    );
  }

  /**
   * A delete, conditional when `condition` is given. Answers the deleted item (undefined when there was none),
   * or `false` when the condition refused it.
   */
  async delete(key: Key, condition?: Condition): Promise<Item | undefined | false> {
    try {
      const out = await awsCall('DynamoDB DeleteItem', () =>
        this.doc.send(
          new DeleteCommand({ TableName: this.name, Key: key, ReturnValues: 'ALL_OLD', ...conditionInput(condition) }),
        ),
      );
      return out.Attributes;
    } catch (error) {
      if (awsErrorName(error) === CONDITION_FAILED) return false;
      throw error;
    }
  }

  /** One page of a query: the caller resumes it from `last` (DynamoDB's LastEvaluatedKey). */
  async queryPage(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ items: Item[]; last?: Item }> {
    const out = await awsCall('DynamoDB Query', () =>
      this.doc.send(new QueryCommand({ TableName: this.name, ...input })),
    );
    return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { last: out.LastEvaluatedKey } : {}) };
  }

  /**
   * Every item a query matches, page after page. With `Limit`, it stops once it holds that many (DynamoDB's
   * `Limit` bounds one page, not the answer).
   */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.queryPage({ ...input, ExclusiveStartKey: start });
      items.push(...page.items);
      start = input.Limit !== undefined && items.length >= input.Limit ? undefined : page.last;
    } while (start);
    return items;
  }

  /** One transaction; a cancellation is thrown as `TransactionCancelled`, its reasons decoded. */
  async transact(items: TransactItem[]): Promise<TransactionCancelled | undefined> {
    try {
      await awsCall('DynamoDB TransactWriteItems', () =>
        this.doc.send(new TransactWriteCommand({ TransactItems: items })),
      );
      return undefined;
    } catch (error) {
      if (awsErrorName(error) !== 'TransactionCanceledException') throw error;
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
      return new TransactionCancelled(
        reasons.map((r) => r.Code ?? 'None'),
        error,
      );
    }
  }

  /** A transaction item putting `item` (conditional when `condition` is given). */
  putItem(item: Item, condition?: Condition): TransactItem {
    return { Put: { TableName: this.name, Item: item, ...conditionInput(condition) } };
  }

  /** A transaction item deleting `key` (conditional when `condition` is given). */
  deleteItem(key: Key, condition?: Condition): TransactItem {
    return { Delete: { TableName: this.name, Key: key, ...conditionInput(condition) } };
  }

  /** A transaction item that writes nothing: the transaction goes through only if `condition` holds on `key`. */
  conditionCheckItem(key: Key, condition: Condition): TransactItem {
    const check = { TableName: this.name, Key: key, ...conditionInput(condition) };
    return { ConditionCheck: { ...check, ConditionExpression: condition.expression } };
  }

  /**
   * A transaction item taking the lock at `key` for `holder`, with `extra` attributes (its index keys, its
   * lease's `since`). By default it may be taken again by its holder (a retried write), never by another.
   */
  takeLockItem(
    key: Key,
    holder: LockHolder,
    extra: Item = {},
    condition: Condition = Conditions.absentOrHeldBy(holder.attribute, holder.id),
  ): TransactItem {
    return this.putItem({ ...extra, ...key, [holder.attribute]: holder.id }, condition);
  }

  /** A transaction item releasing the lock at `key` if `holder` holds it: never one another holds. */
  releaseLockItem(key: Key, holder: LockHolder): TransactItem {
    return this.deleteItem(key, Conditions.absentOrHeldBy(holder.attribute, holder.id));
  }

  /** The id holding the lock at `key` now (a consistent read), or undefined when it is free. */
  async lockHolder(key: Key, attribute: LockHolder['attribute']): Promise<string | undefined> {
    const holder = (await this.get(key))?.[attribute];
    return typeof holder === 'string' ? holder : undefined;
  }

  /**
   * Breaks the lock at `key` outside its holder's transaction (the sweep, once the holder ended or its lease
   * passed): only if `holder` still holds it. Answers the lock item removed, or undefined when it did not.
   */
  async breakLock(key: Key, holder: LockHolder): Promise<Item | undefined> {
    return (await this.delete(key, Conditions.equals(holder.attribute, holder.id))) || undefined;
  }
}

/** Conditions the stores share. */
export const Conditions = {
  /** The item does not exist yet. */
  absent: { expression: 'attribute_not_exists(pk)' },
  /** The item exists. */
  present: { expression: 'attribute_exists(pk)' },
  /** The item is absent or `attribute` holds `value` (a lock taken again by its holder, a retried step). */
  absentOrHeldBy: (attribute: string, value: unknown): Condition => ({
    expression: `attribute_not_exists(pk) OR ${attribute} = :id`,
    values: { ':id': value },
  }),
  /** The record is still at the version it was read at (optimistic concurrency). */
  version: (expected: number): Condition => ({ expression: 'version = :expected', values: { ':expected': expected } }),
  /** `attribute` holds `value` (, a claim's holder). */
  equals: (attribute: string, value: unknown): Condition => ({
    expression: `${attribute} = :${attribute}`,
    values: { [`:${attribute}`]: value },
  }),
} as const;

function conditionInput(condition: Condition | undefined) {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ...(condition.values && Object.keys(condition.values).length
      ? { ExpressionAttributeValues: condition.values }
      : {}),
    ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
  };
}

/** Runs a conditional write: true when written, false when its condition refused it. */
async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (awsErrorName(error) === CONDITION_FAILED) return false;
    throw error;
  }
}
