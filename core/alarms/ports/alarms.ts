import type { AlarmState } from '../../rollouts/domain/analysis';

/** CloudWatch alarms as the rollouts read them. */
export interface AlarmStates {
  /** Current state of each named alarm; names that do not exist are absent from the result. */
  states(names: string[]): Promise<Record<string, AlarmState>>;
}

/**
 * A state change of an alarm that eksflow confirmed against CloudWatch (DescribeAlarms said `state`), kept so
 * that the same change delivered again is answered from the store: `time` is when the alarm entered `state`.
 */
export interface VerifiedAlarmChange {
  alarmName: string;
  state: AlarmState;
  time: string;
}

/** What CloudWatch said of one change: still the alarm's state, or not (and then what the alarm is). */
export type ChangeCheckOutcome = { current: true } | { current: false; state?: AlarmState };

/**
 * Alarm changes as checked against CloudWatch, shared by every delivery of every container: the latest verified
 * change of each alarm, and per change one check (claimed by the first delivery, its outcome kept for the others).
 */
export interface VerifiedAlarmChanges {
  latestVerified(alarmName: string): Promise<VerifiedAlarmChange | undefined>;
  /**
   * Takes the one CloudWatch check of `change`: false while another caller's claim younger than `leaseMs`
   * stands, or once an outcome is recorded.
   */
  claimCheck(change: VerifiedAlarmChange, leaseMs: number): Promise<boolean>;
  /** The recorded outcome of the check of `change`; undefined while none is. */
  checkOutcome(change: VerifiedAlarmChange): Promise<ChangeCheckOutcome | undefined>;
  /**
   * Records what the check of `change` found; a current change also becomes the alarm's latest verified one,
   * unless a later one (by `time`) is recorded already. Recording twice is no error.
   */
  recordCheck(change: VerifiedAlarmChange, outcome: ChangeCheckOutcome): Promise<void>;
}
