import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ChangeCheckOutcome, VerifiedAlarmChange, VerifiedAlarmChanges } from '../../alarms/ports/alarms';
import type { AlarmState } from '../../rollouts/domain/analysis';
import { DynamoStore, Keys } from './dynamodb-table';
import { expiresAt, VERIFIED_ALARM_CHANGE_TTL_SECONDS } from './ttl';

/**
 * Alarm changes as checked against CloudWatch, in the single eksflow table:
 *   ALARMCHANGE#<name> / LATEST                 the latest verified change {state, time}
 *   ALARMCHANGE#<name> / CHECK#<time>#<state>   one change's check: {claimedAt} while claimed, then {outcome}
 * Both expire (TTL). Not ALARM#<name>: that partition is the rollouts' alarm index, whose every item names a rollout.
 */
export class DynamoDbVerifiedAlarmChanges extends DynamoStore implements VerifiedAlarmChanges {
  constructor(
    tableName: string,
    client?: DynamoDBClient,
    private readonly now: () => Date = () => new Date(),
  ) {
    super(tableName, client);
  }

  async latestVerified(alarmName: string): Promise<VerifiedAlarmChange | undefined> {
    const item = await this.table.get(Keys.alarmChangeLatest(alarmName));
    return item && { alarmName, state: item.state as AlarmState, time: item.time as string };
  }

  async claimCheck(change: VerifiedAlarmChange, leaseMs: number): Promise<boolean> {
    const now = this.now().getTime();
    return this.table.put(
      { ...checkKey(change), claimedAt: now, expiresAt: this.expiry() },
      // Free, or claimed by a caller that neither finished nor answered within the lease (it crashed).
      {
        expression: 'attribute_not_exists(pk) OR (attribute_not_exists(outcome) AND claimedAt < :stale)',
        values: { ':stale': now - leaseMs },
      },
    );
  }

  async checkOutcome(change: VerifiedAlarmChange): Promise<ChangeCheckOutcome | undefined> {
    return (await this.table.get(checkKey(change)))?.outcome as ChangeCheckOutcome | undefined;
  }

  async recordCheck(change: VerifiedAlarmChange, outcome: ChangeCheckOutcome): Promise<void> {
    await this.table.put({ ...checkKey(change), claimedAt: this.now().getTime(), outcome, expiresAt: this.expiry() });
    if (!outcome.current) return;
    await this.table.put(
      { ...Keys.alarmChangeLatest(change.alarmName), state: change.state, time: change.time, expiresAt: this.expiry() },
      // CloudWatch writes every timestamp of an alarm in one format, so they order as strings do.
      {
        expression: 'attribute_not_exists(pk) OR #time <= :time',
        values: { ':time': change.time },
        names: { '#time': 'time' },
      },
    );
  }

  private expiry(): number {
    return expiresAt(this.now(), VERIFIED_ALARM_CHANGE_TTL_SECONDS);
  }
}

function checkKey(change: VerifiedAlarmChange) {
  return Keys.alarmChangeCheck(change.alarmName, change.time, change.state);
}
