import { ConflictError, VersionConflictError } from '../../kernel/errors';
import { retryOnConflict } from '../../kernel/retry';
import type { ScaleTrigger, ScalingPolicy, ScalingSchedule } from '../../scaling/domain/records';
import { nodegroupLock } from '../../scaling/domain/records';
import type { ScalingStore } from '../../scaling/ports/scaling-store';
import {
  type Condition,
  Conditions,
  DynamoStore,
  type Key,
  Keys,
  Partition,
  Prefix,
  withoutKeys,
} from './dynamodb-table';
import { expiresAt, RECENT_OPERATION_TTL_SECONDS, WAITING_TRIGGER_TTL_SECONDS } from './ttl';

/**
 * Node-group scaling in the single eksflow table:
 *   NG#<cluster>#<ng> / WAIT#<at>#<n>        a trigger that fired while a change held the group's lock (the
 *                                            operation lock OPLOCK#nodegroup:<cluster>/<ng>), until the change ends
 *   NG#<cluster>#<ng> / OP#<at>#<id>         a recent scale operation of the group (expiresAt: TTL)
 *   NG#<cluster>#<ng> / SCHEDULE#<name>      a schedule (gsi1: SCHEDULES / <cluster>#<ng>#<name>)
 *   NG#<cluster>#<ng> / POLICY#<name>        an alarm policy (gsi1: ALARM#<alarm> / <cluster>#<ng>#<name>,
 *                                            gsi2: POLICIES / <cluster>#<ng>#<name>)
 * The sweeps Query the sparse partition POLICIES (and the operation locks); nothing Scans the table.
 */
export class DynamoDbScalingStore extends DynamoStore implements ScalingStore {
  /** The lock item must be there when the trigger's item is written: the one transaction makes both one step. */
  async addWaiting(cluster: string, nodegroup: string, trigger: ScaleTrigger): Promise<boolean> {
    return retryOnConflict(`node group ${cluster}/${nodegroup}'s waiting triggers`, async () => {
      const at = new Date().toISOString();
      const waiting = {
        ...Keys.waitingTrigger(cluster, nodegroup, `${at}#${nextOrder()}`),
        trigger,
        // Taken by the change's end step; kept past it only if that step never ran (then it is stale).
        expiresAt: expiresAt(at, WAITING_TRIGGER_TTL_SECONDS),
      };
      const cancelled = await this.table.transact([
        this.table.conditionCheckItem(Keys.operationLock(nodegroupLock(cluster, nodegroup)), Conditions.present),
        this.table.putItem(waiting),
      ]);
      if (!cancelled) return true;
      if (cancelled.conditionFailed(0)) return false;
      // The release ran at the same moment: ask again whether the lock is still held.
      if (cancelled.raced) throw new VersionConflictError('the node group lock changed meanwhile');
      throw cancelled.original;
    });
  }

  /** Each trigger is handed to the caller whose delete removed it: a repeated end step fires none twice. */
  async takeWaiting(cluster: string, nodegroup: string): Promise<ScaleTrigger[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': Keys.nodegroup(cluster, nodegroup), ':prefix': Prefix.waitingTrigger },
      ConsistentRead: true,
    });
    const taken: ScaleTrigger[] = [];
    for (const item of items) {
      const removed = await this.table.delete({ pk: String(item.pk), sk: String(item.sk) });
      if (removed) taken.push(removed.trigger as ScaleTrigger);
    }
    return taken;
  }

  async addRecentOperation(cluster: string, nodegroup: string, operationId: string, at: string): Promise<void> {
    await this.table.put({
      ...Keys.recentOperation(cluster, nodegroup, at, operationId),
      operationId,
      at,
      expiresAt: expiresAt(at, RECENT_OPERATION_TTL_SECONDS),
    });
  }

  async recentOperations(cluster: string, nodegroup: string, limit: number): Promise<string[]> {
    const items = await this.itemsOf(cluster, nodegroup, Prefix.recentOperation, {
      ScanIndexForward: false,
      Limit: limit,
    });
    return items.map((i) => i.operationId as string);
  }

  async createSchedule(schedule: ScalingSchedule): Promise<void> {
    await this.create('schedule', scheduleKey(schedule), schedule, {
      gsi1pk: Partition.schedules,
      gsi1sk: nameInGroup(schedule),
    });
  }

  async listSchedules(cluster: string, nodegroup: string): Promise<ScalingSchedule[]> {
    return (await this.itemsOf(cluster, nodegroup, Prefix.schedule)).map((i) => withoutKeys<ScalingSchedule>(i));
  }

  async allSchedules(): Promise<ScalingSchedule[]> {
    return (await this.indexed('gsi1', Partition.schedules)).map((i) => withoutKeys<ScalingSchedule>(i));
  }

  async getSchedule(cluster: string, nodegroup: string, name: string): Promise<ScalingSchedule | undefined> {
    const item = await this.table.get(Keys.schedule(cluster, nodegroup, name));
    return item ? withoutKeys<ScalingSchedule>(item) : undefined;
  }

  async deleteSchedule(cluster: string, nodegroup: string, name: string): Promise<boolean> {
    return (await this.table.delete(Keys.schedule(cluster, nodegroup, name))) !== undefined;
  }

  async claimScheduleFiring(schedule: ScalingSchedule, occurrence: string): Promise<boolean> {
    return this.set(scheduleKey(schedule), 'lastOccurrence', occurrence, {
      // ISO timestamps of one format order as strings do: an older or equal occurrence is late or repeated.
      expression: 'attribute_exists(pk) AND (attribute_not_exists(lastOccurrence) OR lastOccurrence < :value)',
    });
  }

  async releaseScheduleFiring(schedule: ScalingSchedule, occurrence: string): Promise<void> {
    await this.restore(scheduleKey(schedule), 'lastOccurrence', occurrence, schedule.lastOccurrence);
  }

  async createPolicy(policy: ScalingPolicy): Promise<void> {
    await this.create('policy', policyKey(policy), policy, {
      gsi1pk: `${Prefix.alarm}${policy.alarm}`,
      gsi1sk: nameInGroup(policy),
      gsi2pk: Partition.policies,
      gsi2sk: nameInGroup(policy),
    });
  }

  async listPolicies(cluster: string, nodegroup: string): Promise<ScalingPolicy[]> {
    return (await this.itemsOf(cluster, nodegroup, Prefix.policy)).map((i) => withoutKeys<ScalingPolicy>(i));
  }

  async policiesForAlarm(alarm: string): Promise<ScalingPolicy[]> {
    return (await this.indexed('gsi1', `${Prefix.alarm}${alarm}`)).map((i) => withoutKeys<ScalingPolicy>(i));
  }

  async allPolicies(): Promise<ScalingPolicy[]> {
    return (await this.indexed('gsi2', Partition.policies)).map((i) => withoutKeys<ScalingPolicy>(i));
  }

  async deletePolicy(cluster: string, nodegroup: string, name: string): Promise<boolean> {
    return (await this.table.delete(Keys.policy(cluster, nodegroup, name))) !== undefined;
  }

  async claimPolicyFiring(policy: ScalingPolicy, now: string): Promise<boolean> {
    const condition: Condition = policy.lastFiredAt
      ? { expression: 'attribute_exists(pk) AND lastFiredAt = :expected', values: { ':expected': policy.lastFiredAt } }
      : { expression: 'attribute_exists(pk) AND attribute_not_exists(lastFiredAt)' };
    return this.set(policyKey(policy), 'lastFiredAt', now, condition);
  }

  async releasePolicyFiring(policy: ScalingPolicy, claimedAt: string): Promise<void> {
    await this.restore(policyKey(policy), 'lastFiredAt', claimedAt, policy.lastFiredAt);
  }

  /** Sets `attribute` to `value` (`:value` in the condition) if `condition` holds: true if this call did. */
  private set(key: Key, attribute: string, value: string, condition: Condition): Promise<boolean> {
    return this.table.update(key, { expression: `SET ${attribute} = :value`, values: { ':value': value } }, condition);
  }

  /** Puts `attribute` back to `previous` (or removes it) if it still holds our `claimed` value. */
  private async restore(key: Key, attribute: string, claimed: string, previous?: string): Promise<void> {
    // Refused: a later claim replaced ours, which is then not ours to undo.
    await this.table.update(
      key,
      previous
        ? { expression: `SET ${attribute} = :previous`, values: { ':previous': previous } }
        : { expression: `REMOVE ${attribute}` },
      { expression: `${attribute} = :claimed`, values: { ':claimed': claimed } },
    );
  }

  /** Puts a new schedule or policy under `key`, with its index attributes; a 409 naming `name` if it exists. */
  private async create(
    kind: 'schedule' | 'policy',
    key: Key,
    record: InGroup,
    indexes: Record<string, string>,
  ): Promise<void> {
    if (!(await this.table.put({ ...key, ...indexes, ...record }, Conditions.absent)))
      throw new ConflictError(`${kind} ${record.name} already exists on ${record.cluster}/${record.nodegroup}`, {
        details: [{ field: 'name', reason: 'already exists' }],
      });
  }

  /** Items of one node group whose sort key starts with `prefix`, every page. */
  private itemsOf(
    cluster: string,
    nodegroup: string,
    prefix: string,
    order: { ScanIndexForward?: boolean; Limit?: number } = {},
  ) {
    return this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': Keys.nodegroup(cluster, nodegroup), ':prefix': prefix },
      ...order,
    });
  }

  /** Every item of one index partition. */
  private indexed(index: 'gsi1' | 'gsi2', partition: string) {
    return this.table.queryAll({
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      ExpressionAttributeValues: { ':pk': partition },
    });
  }
}

/** A schedule or a policy: named within its node group. */
type InGroup = { cluster: string; nodegroup: string; name: string };

/** A schedule's or policy's place in an index partition: `<cluster>#<ng>#<name>`. */
function nameInGroup(record: InGroup): string {
  return `${record.cluster}#${record.nodegroup}#${record.name}`;
}

const scheduleKey = (schedule: InGroup): Key => Keys.schedule(schedule.cluster, schedule.nodegroup, schedule.name);
const policyKey = (policy: InGroup): Key => Keys.policy(policy.cluster, policy.nodegroup, policy.name);

/** Orders the waiting triggers one process adds within the same millisecond. */
let order = 0n;
function nextOrder(): string {
  order += 1n;
  return order.toString().padStart(12, '0');
}
