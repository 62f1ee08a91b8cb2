import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConflictError, ValidationError, VersionConflictError } from '../../kernel/errors';
import { present } from '../../kernel/invariant';
import type { TransitionEvent } from '../../kernel/ports/events';
import { transitionEvents } from '../../rollouts/domain/rollout-events';
import { isActive, type Rollout } from '../../rollouts/domain/types';
import {
  isListPosition,
  type OutboxEntry,
  type RolloutListQuery,
  type RolloutPage,
  type RolloutStore,
  rolloutListPosition,
  rolloutListPrefix,
} from '../../rollouts/ports/rollout-store';
import {
  Conditions,
  DynamoStore,
  type Item,
  Keys,
  type LockHolder,
  Partition,
  Prefix,
  type TransactItem,
} from './dynamodb-table';
import { expiresAt, FINISHED_RECORD_TTL_SECONDS } from './ttl';

/** DynamoDB refuses a transaction of more than 100 items; outbox events share what the record leaves. */
export const MAX_TRANSACT_ITEMS = 100;

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
export class DynamoDbRolloutStore extends DynamoStore implements RolloutStore {
  constructor(tableName: string, client?: DynamoDBClient) {
    super(tableName, client, { convertClassInstanceToMap: true });
  }

  async create(rollout: Rollout, events = transitionEvents(undefined, rollout, rollout.version)): Promise<void> {
    const records: TransactItem[] = [
      this.table.putItem(this.toItem(rollout), Conditions.absent),
      // Not even its own holder takes it again: a repeated create is told apart by `holds` below.
      this.table.takeLockItem(Keys.activeRollout(targetKey(rollout)), holder(rollout.id), {}, Conditions.absent),
      // One item per alarm: a transaction may not touch the same item twice.
      ...unique(rollout.alarms).map((alarm) =>
        this.table.putItem({ ...Keys.alarmRollout(alarm, rollout.id), rolloutId: rollout.id }),
      ),
    ];
    const cancelled = await this.table.transact([
      ...records,
      ...this.outboxItems(events, MAX_TRANSACT_ITEMS - records.length),
    ]);
    if (!cancelled) return;
    if (await this.holds(rollout)) return; // our own create, applied before its answer was lost
    const activeId = await this.table.lockHolder(Keys.activeRollout(targetKey(rollout)), 'rolloutId');
    throw new ConflictError(
      `deployment ${rollout.namespace}/${rollout.deployment} on ${rollout.cluster} already has an active rollout${activeId ? ` (${activeId})` : ''}`,
      {
        details: [{ field: 'deployment', reason: `rollout ${activeId ?? '(unknown)'} is active on this Deployment` }],
      },
    );
  }

  async get(id: string): Promise<Rollout | undefined> {
    const item = await this.table.get(Keys.rollout(id));
    return item ? fromItem(item) : undefined;
  }

  async save(rollout: Rollout, events: TransitionEvent[] = []): Promise<Rollout> {
    const written = { ...rollout, version: rollout.version + 1 };
    const put = this.table.putItem(this.toItem(written), Conditions.version(rollout.version));
    // Leaving the active states releases the Deployment lock and the alarm entries in the same write.
    const release = isActive(rollout)
      ? []
      : [
          this.table.releaseLockItem(Keys.activeRollout(targetKey(rollout)), holder(rollout.id)),
          ...unique(rollout.alarms).map((alarm) => this.table.deleteItem(Keys.alarmRollout(alarm, rollout.id))),
        ];
    const records = [put, ...release];
    const cancelled = await this.table.transact([
      ...records,
      ...this.outboxItems(events, MAX_TRANSACT_ITEMS - records.length),
    ]);
    // A cancelled write may still be ours, applied before its answer was lost (`holds`).
    if (cancelled && !(await this.holds(written)))
      throw new VersionConflictError(`rollout ${rollout.id} was changed by someone else`, {
        cause: cancelled.original,
      });
    return written;
  }

  /**
   * Whether the table holds exactly `rollout` already. A transaction that was applied but whose answer was lost
   * (a dropped connection) is sent again by the SDK's retry, and its condition then fails against its own
   * write: that is our write, not someone else's, and must not send the caller deciding again on a stale
   * belief that it lost.
   */
  private async holds(rollout: Rollout): Promise<boolean> {
    const item = await this.table.get(Keys.rollout(rollout.id));
    return item?.version === rollout.version && item?.doc === this.toItem(rollout).doc;
  }

  async activeForAlarm(alarmName: string): Promise<Rollout[]> {
    const ids = await this.queryIds(`${Prefix.alarm}${alarmName}`);
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
    const pk = `${Prefix.cluster}${query.cluster}`;
    if (query.after !== undefined && !isListPosition(query.after, query))
      throw ValidationError.forField('nextToken', 'is not a token from a previous page of this list');
    const hidden = query.hiddenNamespaces ?? [];
    const filter = hidden.map((_, i) => `NOT begins_with(gsi1sk, :hidden${i})`).join(' AND ');
    const found: Rollout[] = [];
    let start: Item | undefined = query.after === undefined ? undefined : listKey(pk, query.after);
    do {
      const page = await this.table.queryPage({
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
      });
      found.push(...page.items.map(fromItem));
      start = page.last;
    } while (start && found.length <= query.limit);
    const rollouts = found.slice(0, query.limit);
    const last = rollouts.at(-1);
    return { rollouts, ...(found.length > query.limit && last ? { next: rolloutListPosition(last) } : {}) };
  }

  async listActive(): Promise<Rollout[]> {
    return this.getMany(await this.queryIds(Partition.activeRollouts));
  }

  async pendingEvents(limit: number): Promise<OutboxEntry[]> {
    const page = await this.table.queryPage({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': Partition.outbox },
      ConsistentRead: true,
      Limit: limit,
    });
    return page.items.map((item) => ({
      key: item.sk as string,
      events: JSON.parse(item.events as string) as TransitionEvent[],
    }));
  }

  async deleteEvents(keys: string[]): Promise<void> {
    for (const key of keys) await this.table.delete(Keys.outbox(key));
  }

  /** One outbox item per event while they fit in `room` items; past that, each item holds a few. */
  private outboxItems(events: TransitionEvent[], room: number): TransactItem[] {
    return packInto(events, Math.max(1, room)).map((group) =>
      // Stored as JSON text, like the record: details hold free-form messages.
      this.table.putItem({
        ...Keys.outbox(present(group[0], "an outbox group's first event").sequence),
        events: JSON.stringify(group),
      }),
    );
  }

  /** The rollout ids a partition's items name (the Deployment locks, an alarm's entries), every page. */
  private async queryIds(pk: string): Promise<string[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    });
    return items.map((item) => item.rolloutId as string);
  }

  private async getMany(ids: string[]): Promise<Rollout[]> {
    const rollouts = await Promise.all(ids.map((id) => this.get(id)));
    return rollouts.filter((r): r is Rollout => r !== undefined);
  }

  private toItem(rollout: Rollout): Record<string, unknown> {
    return {
      ...Keys.rollout(rollout.id),
      gsi1pk: `${Prefix.cluster}${rollout.cluster}`,
      gsi1sk: rolloutListPosition(rollout),
      version: rollout.version,
      ...(isActive(rollout) ? {} : { expiresAt: expiresAt(rollout.updatedAt, FINISHED_RECORD_TTL_SECONDS) }),
      // Stored as JSON text: pod templates hold keys DynamoDB maps would mangle (empty strings, deep nesting).
      doc: JSON.stringify(rollout),
    };
  }
}

const holder = (id: string): LockHolder => ({ attribute: 'rolloutId', id });

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
  return { gsi1pk: pk, gsi1sk: position, ...Keys.rollout(id) };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
