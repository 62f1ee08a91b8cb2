import type { ChangeCheckOutcome, VerifiedAlarmChange, VerifiedAlarmChanges } from '../../core/alarms/ports/alarms';

/** Same contract as the DynamoDB adapter, in memory: for unit tests of the use cases. */
export class MemoryVerifiedAlarmChanges implements VerifiedAlarmChanges {
  private readonly latest = new Map<string, VerifiedAlarmChange>();
  private readonly checks = new Map<string, { claimedAt: number; outcome?: ChangeCheckOutcome }>();

  constructor(private readonly now: () => number = Date.now) {}

  async latestVerified(alarmName: string): Promise<VerifiedAlarmChange | undefined> {
    const change = this.latest.get(alarmName);
    return change && { ...change };
  }

  async claimCheck(change: VerifiedAlarmChange, leaseMs: number): Promise<boolean> {
    const check = this.checks.get(checkKey(change));
    if (check && (check.outcome || check.claimedAt > this.now() - leaseMs)) return false;
    this.checks.set(checkKey(change), { claimedAt: this.now() });
    return true;
  }

  async checkOutcome(change: VerifiedAlarmChange): Promise<ChangeCheckOutcome | undefined> {
    const outcome = this.checks.get(checkKey(change))?.outcome;
    return outcome && { ...outcome };
  }

  async recordCheck(change: VerifiedAlarmChange, outcome: ChangeCheckOutcome): Promise<void> {
    this.checks.set(checkKey(change), { claimedAt: this.now(), outcome: { ...outcome } });
    const known = this.latest.get(change.alarmName);
    if (outcome.current && (!known || known.time <= change.time)) this.latest.set(change.alarmName, { ...change });
  }
}

function checkKey(change: VerifiedAlarmChange): string {
  return `${change.alarmName}\u0000${change.state}\u0000${change.time}`;
}
