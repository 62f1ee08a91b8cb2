import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { transitionEvents, type TransitionEvent } from '../../domain/rollout-events';
import { isActive, type Rollout } from '../../domain/rollout/types';
import { ConflictError, ValidationError, VersionConflictError } from '../../errors';
import {
  isListPosition,
  type OutboxEntry,
  type RolloutListQuery,
  type RolloutPage,
  type RolloutStore,
  rolloutListPosition,
  rolloutListPrefix,
} from '../../ports/rollout-store';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';
import { expiresAt, FINISHED_RECORD_TTL_SECONDS } from './ttl';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB refuses a transaction of more than 100 items; outbox events share what the record leaves. */
export const MAX_TRANSACT_ITEMS = 100;
const OUTBOX_PK = 'OUTBOX';

/**
 * Rollouts in the single eksflow table:
 *   ROLLOUT#<id> / ROLLOUT       the rollout (gsi1: CLUSTER#<cluster> / <ns>/<deployment>#<createdAt>#<id>);
 *                                once finished, `expiresAt` (TTL) too
 *   ACTIVE / <cluster>/<ns>/<dep> the one-active-rollout-per-Deployment lock, only while active
 *   ALARM#<name> / ROLLOUT#<id>   alarm index entries, only while active
 *   OUTBOX / <id>#<version>#<i>   transition events not yet published (each item holds one or, past the
 *                                 transaction limit, a few), written in the record's transaction
 * Every write of a rollout is one transaction, conditional on the rollout's version.
 */
export class DynamoDbRolloutStore implements RolloutStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({ ...SDK_RETRY_OFF }),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    });
  }

  async create(rollout: Rollout, events = transitionEvents(undefined, rollout, rollout.version)): Promise<void> {
    const records: TransactItem[] = [
      {
        Put: { TableName: this.tableName, Item: this.toItem(rollout), ConditionExpression: 'attribute_not_exists(pk)' },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { pk: 'ACTIVE', sk: targetKey(rollout), rolloutId: rollout.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      // One item per alarm: a transaction may not touch the same item twice.
      ...unique(rollout.alarms).map(
        (alarm): TransactItem => ({
          Put: {
            TableName: this.tableName,
            Item: { pk: `ALARM#${alarm}`, sk: `ROLLOUT#${rollout.id}`, rolloutId: rollout.id },
          },
        }),
      ),
    ];
    const items = [...records, ...this.outboxItems(events, MAX_TRANSACT_ITEMS - records.length)];
    try {
      await awsCall('DynamoDB TransactWriteItems', () =>
        this.doc.send(new TransactWriteCommand({ TransactItems: items })),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'TransactionCanceledException') throw error;
      if (await this.holds(rollout)) return; // our own create, applied before its answer was lost
      const lock = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: 'ACTIVE', sk: targetKey(rollout) },
          ConsistentRead: true,
        }),
      );
      const activeId = lock.Item?.rolloutId as string | undefined;
      throw new ConflictError(
        `deployment ${rollout.namespace}/${rollout.deployment} on ${rollout.cluster} already has an active rollout${activeId ? ` (${activeId})` : ''}`,
        {
          details: [{ field: 'deployment', reason: `rollout ${activeId ?? '(unknown)'} is active on this Deployment` }],
        },
      );
    }
  }

  async get(id: string): Promise<Rollout | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `ROLLOUT#${id}`, sk: 'ROLLOUT' },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async save(rollout: Rollout, events: TransitionEvent[] = []): Promise<Rollout> {
    const written = { ...rollout, version: rollout.version + 1 };
    const put: TransactItem = {
      Put: {
        TableName: this.tableName,
        Item: this.toItem(written),
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': rollout.version },
      },
    };
    // Leaving the active states releases the Deployment lock and the alarm entries in the same write.
    const release: TransactItem[] = isActive(rollout)
      ? []
      : [
          {
            Delete: {
              TableName: this.tableName,
              Key: { pk: 'ACTIVE', sk: targetKey(rollout) },
              ConditionExpression: 'attribute_not_exists(pk) OR rolloutId = :id',
              ExpressionAttributeValues: { ':id': rollout.id },
            },
          },
          ...unique(rollout.alarms).map(
            (alarm): TransactItem => ({
              Delete: { TableName: this.tableName, Key: { pk: `ALARM#${alarm}`, sk: `ROLLOUT#${rollout.id}` } },
            }),
          ),
        ];
    const records = [put, ...release];
    const outbox = this.outboxItems(events, MAX_TRANSACT_ITEMS - records.length);
    try {
      await awsCall('DynamoDB TransactWriteItems', () =>
        this.doc.send(new TransactWriteCommand({ TransactItems: [...records, ...outbox] })),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'TransactionCanceledException') throw error;
      if (await this.holds(written)) return written;
      throw new VersionConflictError(`rollout ${rollout.id} was changed by someone else`, { cause: error });
    }
    return written;
  }

  /**
   * Whether the table holds exactly `rollout` already. A transaction that was applied but whose answer was lost
   * (a dropped connection) is sent again by the SDK's retry, and its condition then fails against its own
   * write: that is our write, not someone else's, and must not send the caller deciding again on a stale
   * belief that it lost.
   */
  private async holds(rollout: Rollout): Promise<boolean> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `ROLLOUT#${rollout.id}`, sk: 'ROLLOUT' },
          ConsistentRead: true,
        }),
      ),
    );
    return out?.Item?.version === rollout.version && out.Item?.doc === this.toItem(rollout).doc;
  }

  async activeForAlarm(alarmName: string): Promise<Rollout[]> {
    const ids = await this.queryIds({ pk: `ALARM#${alarmName}` });
    return this.getMany(ids);
  }

  /**
   * One page from the gsi1 index. Hidden namespaces are left out by the query's filter, in DynamoDB: their items
   * never reach the function. A filter is applied after `Limit`, so the query goes on until it has one rollout more
   * than the page (then more follow) or the index ends; the page continues after its last rollout, not after
   * whatever item DynamoDB evaluated last.
   */
  async list(query: RolloutListQuery): Promise<RolloutPage> {
    const prefix = rolloutListPrefix(query);
    const pk = `CLUSTER#${query.cluster}`;
    if (query.after !== undefined && !isListPosition(query.after, query))
      throw ValidationError.forField('nextToken', 'is not a token from a previous page of this list');
    const hidden = query.hiddenNamespaces ?? [];
    const filter = hidden.map((_, i) => `NOT begins_with(gsi1sk, :hidden${i})`).join(' AND ');
    const found: Rollout[] = [];
    let start: Record<string, unknown> | undefined = query.after === undefined ? undefined : listKey(pk, query.after);
    do {
      const page = await awsCall('DynamoDB Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: prefix ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
            ...(filter ? { FilterExpression: filter } : {}),
            ExpressionAttributeValues: {
              ':pk': pk,
              ...(prefix ? { ':prefix': prefix } : {}),
              ...Object.fromEntries(hidden.map((ns, i) => [`:hidden${i}`, `${ns}/`])),
            },
            ScanIndexForward: false,
            Limit: query.limit + 1 - found.length,
            ExclusiveStartKey: start,
          }),
        ),
      );
      found.push(...(page.Items ?? []).map(fromItem));
      start = page.LastEvaluatedKey;
    } while (start && found.length <= query.limit);
    const rollouts = found.slice(0, query.limit);
    const last = rollouts.at(-1);
    return { rollouts, ...(found.length > query.limit && last ? { next: rolloutListPosition(last) } : {}) };
  }

  async listActive(): Promise<Rollout[]> {
    return this.getMany(await this.queryIds({ pk: 'ACTIVE' }));
  }

  async pendingEvents(limit: number): Promise<OutboxEntry[]> {
    const page = await awsCall('DynamoDB Query', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': OUTBOX_PK },
          ConsistentRead: true,
          Limit: limit,
        }),
      ),
    );
    return (page.Items ?? []).map((item) => ({
      key: item.sk as string,
      events: JSON.parse(item.events as string) as TransitionEvent[],
    }));
  }

  async deleteEvents(keys: string[]): Promise<void> {
    for (const key of keys)
      await awsCall('DynamoDB DeleteItem', () =>
        this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: OUTBOX_PK, sk: key } })),
      );
  }

  /** One outbox item per event while they fit in `room` items; past that, each item holds a few. */
  private outboxItems(events: TransitionEvent[], room: number): TransactItem[] {
    return packInto(events, Math.max(1, room)).map(
      (group): TransactItem => ({
        Put: {
          TableName: this.tableName,
          // Stored as JSON text, like the record: details hold free-form messages.
          Item: { pk: OUTBOX_PK, sk: group[0].sequence, events: JSON.stringify(group) },
        },
      }),
    );
  }

  private async queryIds(key: { pk: string }): Promise<string[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': key.pk },
      ConsistentRead: true,
    });
    return items.map((item) => item.rolloutId as string);
  }

  private async queryAll(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await awsCall('DynamoDB Query', () =>
        this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey })),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  private async getMany(ids: string[]): Promise<Rollout[]> {
    const rollouts = await Promise.all(ids.map((id) => this.get(id)));
    return rollouts.filter((r): r is Rollout => r !== undefined);
  }

  private toItem(rollout: Rollout): Record<string, unknown> {
    return {
      pk: `ROLLOUT#${rollout.id}`,
      sk: 'ROLLOUT',
      gsi1pk: `CLUSTER#${rollout.cluster}`,
      gsi1sk: rolloutListPosition(rollout),
      version: rollout.version,
      ...(isActive(rollout) ? {} : { expiresAt: expiresAt(rollout.updatedAt, FINISHED_RECORD_TTL_SECONDS) }),
      // Stored as JSON text: pod templates hold keys DynamoDB maps would mangle (empty strings, deep nesting).
      doc: JSON.stringify(rollout),
    };
  }
}

function targetKey(rollout: Pick<Rollout, 'cluster' | 'namespace' | 'deployment'>): string {
  return `${rollout.cluster}/${rollout.namespace}/${rollout.deployment}`;
}

function fromItem(item: Record<string, unknown>): Rollout {
  return { ...(JSON.parse(item.doc as string) as Rollout), version: item.version as number };
}

/** Splits `values` into at most `groups` runs, in order, as even as possible. */
export function packInto<T>(values: T[], groups: number): T[][] {
  const count = Math.min(values.length, groups);
  const out: T[][] = [];
  let start = 0;
  for (let g = 0; g < count; g++) {
    const size = Math.floor(values.length / count) + (g < values.length % count ? 1 : 0);
    out.push(values.slice(start, start + size));
    start += size;
  }
  return out;
}

/** The index key of the list item at `position` (`<ns>/<deployment>#<createdAt>#<id>`): where a page resumes. */
function listKey(pk: string, position: string): Record<string, string> {
  const id = position.slice(position.lastIndexOf('#') + 1);
  return { gsi1pk: pk, gsi1sk: position, pk: `ROLLOUT#${id}`, sk: 'ROLLOUT' };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
