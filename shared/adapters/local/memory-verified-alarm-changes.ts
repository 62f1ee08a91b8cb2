import type { VerifiedAlarmChange, VerifiedAlarmChanges } from '../../ports/alarms';

/** Same contract as the DynamoDB adapter, in memory: for unit tests of the use cases. */
export class MemoryVerifiedAlarmChanges implements VerifiedAlarmChanges {
  private readonly latest = new Map<string, VerifiedAlarmChange>();

  async latestVerified(alarmName: string): Promise<VerifiedAlarmChange | undefined> {
    const change = this.latest.get(alarmName);
    return change && { ...change };
  }

  async recordVerified(change: VerifiedAlarmChange): Promise<void> {
    const known = this.latest.get(change.alarmName);
    if (!known || known.time <= change.time) this.latest.set(change.alarmName, { ...change });
  }
}
