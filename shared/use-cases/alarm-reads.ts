import type { AlarmState } from '../domain/rollout/analysis';
import type { AlarmStates, VerifiedAlarmChanges } from '../ports/alarms';
import type { AlarmStateChange } from '../validation/alarm-event';

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
    const unknown = [...new Set(names)].filter((name) => !this.reads.has(name));
    if (unknown.length) {
      const read = this.source.states(unknown);
      for (const name of unknown) this.reads.set(name, read);
      read.catch(() => {
        for (const name of unknown) if (this.reads.get(name) === read) this.reads.delete(name);
      });
    }
    const answers = await Promise.all([...new Set(names.map((name) => this.reads.get(name)!))]);
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
 * Whether the alarm is still in the state the event says it entered. A change already verified (the same state
 * since the same time, recorded by whichever delivery verified it first) is answered from the store, so a storm
 * of duplicates costs one DescribeAlarms per distinct change; a change older than the latest verified one is
 * history, also without a call. Anything else asks CloudWatch, and a confirmed change is recorded.
 */
export async function checkAlarmChange(
  deps: { alarms: AlarmStates; verifiedChanges: VerifiedAlarmChanges },
  change: AlarmStateChange,
): Promise<ChangeCheck> {
  const known = await deps.verifiedChanges.latestVerified(change.alarmName);
  if (known?.time === change.time && known.state === change.state) return { current: true, via: 'store' };
  if (known && Date.parse(known.time) > Date.parse(change.time))
    return { current: false, via: 'store', state: known.state, since: known.time };
  const state = (await deps.alarms.states([change.alarmName]))[change.alarmName];
  if (state !== change.state) return { current: false, via: 'cloudwatch', state };
  await deps.verifiedChanges.recordVerified({ alarmName: change.alarmName, state, time: change.time });
  return { current: true, via: 'cloudwatch' };
}

/** Why an event whose change is not current does nothing (the outcome's `ignored`). */
export function notCurrent(change: AlarmStateChange, check: ChangeCheck & { current: false }): string {
  if (check.since)
    return `alarm ${change.alarmName} is ${check.state} since ${check.since}, after this ${change.state}`;
  return `alarm ${change.alarmName} is ${check.state ?? 'deleted'} now, not ${change.state}`;
}
