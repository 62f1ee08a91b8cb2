import type { AlarmState } from '../../rollouts/domain/analysis';
import type { AlarmStates, VerifiedAlarmChanges } from '../ports/alarms';
import type { AlarmStateChange } from '../requests/alarm-event';

/**
 * Alarm states read at most once per invocation: DescribeAlarms has an account-wide quota of single-digit
 * calls a second, shared by every rollout, sweep and alarm event. The first read of a name asks CloudWatch (all
 * names not yet known in one call, which takes up to 100 and pages past that); every later read in the same
 * invocation, concurrent ones included, gets that answer. A failed read is forgotten, so a retry asks again.
 */
export class AlarmStatesOnce implements AlarmStates {
  private readonly reads = new Map<string, Promise<Record<string, AlarmState>>>();

  constructor(private readonly source: AlarmStates) {}

  async states(names: string[]): Promise<Record<string, AlarmState>> {
    const pending = new Set<Promise<Record<string, AlarmState>>>();
    const unknown: string[] = [];
    for (const name of new Set(names)) {
      const known = this.reads.get(name);
      if (known) pending.add(known);
      else unknown.push(name);
    }
    if (unknown.length) {
      const read = this.source.states(unknown);
      for (const name of unknown) this.reads.set(name, read);
      read.catch(() => {
        for (const name of unknown) if (this.reads.get(name) === read) this.reads.delete(name);
      });
      pending.add(read);
    }
    const answers = await Promise.all(pending);
    const result: Record<string, AlarmState> = {};
    for (const name of names) {
      const state = answers.find((answer) => name in answer)?.[name];
      if (state) result[name] = state;
    }
    return result;
  }
}

/** The same deps, reading each alarm at most once from here on: one per invocation (a task, an event, a sweep). */
export function readingAlarmsOnce<D extends { alarms: AlarmStates }>(deps: D): D {
  return deps.alarms instanceof AlarmStatesOnce ? deps : { ...deps, alarms: new AlarmStatesOnce(deps.alarms) };
}

export type ChangeCheck =
  | { current: true; via: 'store' | 'cloudwatch' }
  | { current: false; via: 'store' | 'cloudwatch'; state?: AlarmState; since?: string };

/**
 * How long a claimed check of a change holds off other deliveries: far longer than one DescribeAlarms (the
 * claimant's retries with backoff included), so only a claimant that died is taken over.
 */
export const CHECK_CLAIM_LEASE_MS = 30_000;
/**
 * Waits of a delivery whose change another one is checking, before it reads the outcome again: a DescribeAlarms
 * takes tens of milliseconds, and past these (1.5 s in all) it asks CloudWatch itself rather than wait longer.
 */
const CHECK_WAITS_MS = [50, 100, 200, 400, 750];

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Whether the alarm is still in the state the event says it entered, asked of CloudWatch once per distinct
 * change by all deliveries of all containers together: a change already verified (the same state since the same
 * time) is answered from the store, and one older than the latest verified change is history, both without a
 * call; otherwise the first delivery claims the check and records its outcome, and the others read it there
 * (asking CloudWatch themselves only if it does not come in time). So a storm of duplicates costs one
 * DescribeAlarms per distinct change.
 */
export async function checkAlarmChange(
  deps: { alarms: AlarmStates; verifiedChanges: VerifiedAlarmChanges; sleep?: (ms: number) => Promise<void> },
  change: AlarmStateChange,
): Promise<ChangeCheck> {
  const asked = { alarmName: change.alarmName, state: change.state, time: change.time };
  const known = await deps.verifiedChanges.latestVerified(change.alarmName);
  if (known?.time === change.time && known.state === change.state) return { current: true, via: 'store' };
  if (known && Date.parse(known.time) > Date.parse(change.time))
    return { current: false, via: 'store', state: known.state, since: known.time };
  if (!(await deps.verifiedChanges.claimCheck(asked, CHECK_CLAIM_LEASE_MS))) {
    for (const ms of CHECK_WAITS_MS) {
      const outcome = await deps.verifiedChanges.checkOutcome(asked);
      if (outcome) return { ...outcome, via: 'store' };
      await (deps.sleep ?? defaultSleep)(ms);
    }
  }
  const state = (await deps.alarms.states([change.alarmName]))[change.alarmName];
  const outcome = state === change.state ? { current: true as const } : { current: false as const, state };
  await deps.verifiedChanges.recordCheck(asked, outcome);
  return { ...outcome, via: 'cloudwatch' };
}

/** Why an event whose change is not current does nothing (the outcome's `ignored`). */
export function notCurrent(change: AlarmStateChange, check: ChangeCheck & { current: false }): string {
  if (check.since)
    return `alarm ${change.alarmName} is ${check.state} since ${check.since}, after this ${change.state}`;
  return `alarm ${change.alarmName} is ${check.state ?? 'deleted'} now, not ${change.state}`;
}
