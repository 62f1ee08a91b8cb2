import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ScalingPolicy, ScalingSchedule, ScaleTrigger } from '../../domain/scaling/records';
import { ConflictError } from '../../errors';
import type { NodegroupLock, ScalingStore } from '../../ports/scaling-store';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';
import { expiresAt, RECENT_OPERATION_TTL_SECONDS } from './ttl';

/**
 * Node-group scaling in the single eksflow table:
 *   NG#<cluster>#<ng> / LOCK                 the one change in flight (conditional put), with waiting triggers
 *                                            (gsi1: NGLOCKS / <cluster>#<ng>: sparse, the item lives while held)
 *   NG#<cluster>#<ng> / OP#<at>#<id>         a recent scale operation of the group (expiresAt: TTL)
 *   NG#<cluster>#<ng> / SCHEDULE#<name>      a schedule (gsi1: SCHEDULES / <cluster>#<ng>#<name>)
 *   NG#<cluster>#<ng> / POLICY#<name>        an alarm policy (gsi1: ALARM#<alarm> / <cluster>#<ng>#<name>,
 *                                            gsi2: POLICIES / <cluster>#<ng>#<name>)
 * The sweeps Query the sparse partitions NGLOCKS and POLICIES; nothing Scans the table.
 */
export class DynamoDbScalingStore implements ScalingStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({ ...SDK_RETRY_OFF }),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async acquireLock(cluster: string, nodegroup: string, operationId: string, now: Date) {
    try {
      await this.send('PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...lockKey(cluster, nodegroup),
              gsi1pk: HELD_LOCKS,
              gsi1sk: `${cluster}#${nodegroup}`,
              operationId,
              since: now.toISOString(),
              waiting: [],
            },
            // Taken again by the same operation (a retried step) is fine; by another, refused.
            ConditionExpression: 'attribute_not_exists(pk) OR operationId = :op',
            ExpressionAttributeValues: { ':op': operationId },
          }),
        ),
      );
      return {};
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw error;
      const holder = await this.getLock(cluster, nodegroup);
      // Released between our write and our read: the caller may simply try again.
      return { holder: holder?.operationId ?? 'an operation that just finished' };
    }
  }

  async getLock(cluster: string, nodegroup: string): Promise<NodegroupLock | undefined> {
    const out = await this.send('GetItem', () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: lockKey(cluster, nodegroup), ConsistentRead: true }),
      ),
    );
    if (!out.Item) return undefined;
    return { operationId: out.Item.operationId, since: out.Item.since, waiting: out.Item.waiting ?? [] };
  }

  /** Eventually consistent (an index): the sweep re-reads each lock's operation before acting. */
  async heldLocks(): Promise<(NodegroupLock & { cluster: string; nodegroup: string })[]> {
    const items = await this.query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': HELD_LOCKS },
    });
    return items.map((i) => {
      const [, cluster, nodegroup] = String(i.pk).split('#');
      return {
        cluster,
        nodegroup,
        operationId: i.operationId,
        since: i.since,
        waiting: i.waiting ?? [],
      } as NodegroupLock & {
        cluster: string;
        nodegroup: string;
      };
    });
  }

  async addWaiting(cluster: string, nodegroup: string, trigger: ScaleTrigger): Promise<boolean> {
    try {
      await this.send('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: lockKey(cluster, nodegroup),
            UpdateExpression: 'SET waiting = list_append(if_not_exists(waiting, :empty), :trigger)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':trigger': [trigger], ':empty': [] },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async releaseLock(cluster: string, nodegroup: string, operationId: string): Promise<ScaleTrigger[]> {
    try {
      const out = await this.send('DeleteItem', () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: lockKey(cluster, nodegroup),
            ConditionExpression: 'operationId = :op',
            ExpressionAttributeValues: { ':op': operationId },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      return (out.Attributes?.waiting as ScaleTrigger[] | undefined) ?? [];
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return []; // released already (a repeated step)
      throw error;
    }
  }

  async addRecentOperation(cluster: string, nodegroup: string, operationId: string, at: string): Promise<void> {
    await this.send('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: ngKey(cluster, nodegroup),
            sk: `OP#${at}#${operationId}`,
            operationId,
            at,
            expiresAt: expiresAt(at, RECENT_OPERATION_TTL_SECONDS),
          },
        }),
      ),
    );
  }

  async recentOperations(cluster: string, nodegroup: string, limit: number): Promise<string[]> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': ngKey(cluster, nodegroup), ':prefix': 'OP#' },
      ScanIndexForward: false,
      Limit: limit,
    });
    return items.map((i) => i.operationId as string);
  }

  async createSchedule(schedule: ScalingSchedule): Promise<void> {
    await this.createItem(
      {
        ...scheduleKey(schedule.cluster, schedule.nodegroup, schedule.name),
        gsi1pk: 'SCHEDULES',
        gsi1sk: `${schedule.cluster}#${schedule.nodegroup}#${schedule.name}`,
        ...schedule,
      },
      `schedule ${schedule.name} already exists on ${schedule.cluster}/${schedule.nodegroup}`,
    );
  }

  async listSchedules(cluster: string, nodegroup: string): Promise<ScalingSchedule[]> {
    return (await this.itemsOf(cluster, nodegroup, SCHEDULE_PREFIX)).map((i) => strip<ScalingSchedule>(i));
  }

  async allSchedules(): Promise<ScalingSchedule[]> {
    const items = await this.query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'SCHEDULES' },
    });
    return items.map((i) => strip<ScalingSchedule>(i));
  }

  async getSchedule(cluster: string, nodegroup: string, name: string): Promise<ScalingSchedule | undefined> {
    const out = await this.send('GetItem', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: scheduleKey(cluster, nodegroup, name),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? strip<ScalingSchedule>(out.Item) : undefined;
  }

  async deleteSchedule(cluster: string, nodegroup: string, name: string): Promise<boolean> {
    return this.deleteItem(scheduleKey(cluster, nodegroup, name));
  }

  async claimScheduleFiring(schedule: ScalingSchedule, occurrence: string): Promise<boolean> {
    return this.conditionalSet(
      scheduleKey(schedule.cluster, schedule.nodegroup, schedule.name),
      'lastOccurrence',
      occurrence,
      // ISO timestamps of one format order as strings do: an older or equal occurrence is late or repeated.
      'attribute_exists(pk) AND (attribute_not_exists(lastOccurrence) OR lastOccurrence < :value)',
    );
  }

  async releaseScheduleFiring(schedule: ScalingSchedule, occurrence: string): Promise<void> {
    await this.restore(
      scheduleKey(schedule.cluster, schedule.nodegroup, schedule.name),
      'lastOccurrence',
      occurrence,
      schedule.lastOccurrence,
    );
  }

  async createPolicy(policy: ScalingPolicy): Promise<void> {
    await this.createItem(
      {
        ...policyKey(policy.cluster, policy.nodegroup, policy.name),
        gsi1pk: `ALARM#${policy.alarm}`,
        gsi1sk: `${policy.cluster}#${policy.nodegroup}#${policy.name}`,
        gsi2pk: ALL_POLICIES,
        gsi2sk: `${policy.cluster}#${policy.nodegroup}#${policy.name}`,
        ...policy,
      },
      `policy ${policy.name} already exists on ${policy.cluster}/${policy.nodegroup}`,
    );
  }

  async listPolicies(cluster: string, nodegroup: string): Promise<ScalingPolicy[]> {
    return (await this.itemsOf(cluster, nodegroup, POLICY_PREFIX)).map((i) => strip<ScalingPolicy>(i));
  }

  async policiesForAlarm(alarm: string): Promise<ScalingPolicy[]> {
    const items = await this.query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `ALARM#${alarm}` },
    });
    return items.map((i) => strip<ScalingPolicy>(i));
  }

  async allPolicies(): Promise<ScalingPolicy[]> {
    const items = await this.query({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': ALL_POLICIES },
    });
    return items.map((i) => strip<ScalingPolicy>(i));
  }

  async deletePolicy(cluster: string, nodegroup: string, name: string): Promise<boolean> {
    return this.deleteItem(policyKey(cluster, nodegroup, name));
  }

  async claimPolicyFiring(policy: ScalingPolicy, now: string): Promise<boolean> {
    const key = policyKey(policy.cluster, policy.nodegroup, policy.name);
    const condition = policy.lastFiredAt
      ? 'attribute_exists(pk) AND lastFiredAt = :expected'
      : 'attribute_exists(pk) AND attribute_not_exists(lastFiredAt)';
    return this.conditionalSet(key, 'lastFiredAt', now, condition, policy.lastFiredAt);
  }

  async releasePolicyFiring(policy: ScalingPolicy, claimedAt: string): Promise<void> {
    await this.restore(
      policyKey(policy.cluster, policy.nodegroup, policy.name),
      'lastFiredAt',
      claimedAt,
      policy.lastFiredAt,
    );
  }

  /** Puts `attribute` back to `previous` (or removes it) if it still holds our `claimed` value. */
  private async restore(key: Record<string, string>, attribute: string, claimed: string, previous?: string) {
    try {
      await this.send('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: previous ? `SET ${attribute} = :previous` : `REMOVE ${attribute}`,
            ConditionExpression: `${attribute} = :claimed`,
            ExpressionAttributeValues: { ':claimed': claimed, ...(previous ? { ':previous': previous } : {}) },
          }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }

  private async conditionalSet(
    key: Record<string, string>,
    attribute: string,
    value: string,
    condition: string,
    expected?: string,
  ): Promise<boolean> {
    try {
      await this.send('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET ${attribute} = :value`,
            ConditionExpression: condition,
            ExpressionAttributeValues: { ':value': value, ...(expected ? { ':expected': expected } : {}) },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async createItem(item: Record<string, unknown>, conflict: string): Promise<void> {
    try {
      await this.send('PutItem', () =>
        this.doc.send(
          new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException')
        throw new ConflictError(conflict, { details: [{ field: 'name', reason: 'already exists' }] });
      throw error;
    }
  }

  private async deleteItem(key: { pk: string; sk: string }): Promise<boolean> {
    const out = await this.send('DeleteItem', () =>
      this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' })),
    );
    return out.Attributes !== undefined;
  }

  private async itemsOf(cluster: string, nodegroup: string, prefix: string) {
    return this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': ngKey(cluster, nodegroup), ':prefix': prefix },
    });
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.send('Query', () =>
        this.doc.send(new QueryCommand({ TableName: this.tableName, ...input, ExclusiveStartKey: start })),
      );
      items.push(...(out.Items ?? []));
      start = input.Limit !== undefined && items.length >= input.Limit ? undefined : out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private send<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return awsCall(`DynamoDB ${what}`, fn);
  }
}

/** Sparse index partitions the sweeps query: held locks (gsi1) and every policy (gsi2). */
const HELD_LOCKS = 'NGLOCKS';
const ALL_POLICIES = 'POLICIES';

/** Sort-key prefixes of a node group's schedules and policies (one place, so keys and queries agree). */
const SCHEDULE_PREFIX = 'SCHEDULE#';
const POLICY_PREFIX = 'POLICY#';

function ngKey(cluster: string, nodegroup: string): string {
  return `NG#${cluster}#${nodegroup}`;
}

function scheduleKey(cluster: string, nodegroup: string, name: string) {
  return { pk: ngKey(cluster, nodegroup), sk: `${SCHEDULE_PREFIX}${name}` };
}

function policyKey(cluster: string, nodegroup: string, name: string) {
  return { pk: ngKey(cluster, nodegroup), sk: `${POLICY_PREFIX}${name}` };
}

function lockKey(cluster: string, nodegroup: string) {
  return { pk: ngKey(cluster, nodegroup), sk: 'LOCK' };
}

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, gsi2pk: _g3, gsi2sk: _g4, expiresAt: _ttl, ...rest } = item;
  return rest as unknown as T;
}
