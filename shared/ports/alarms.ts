import type { AlarmState } from '../domain/rollout/analysis';

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

/** The latest verified change of each alarm. */
export interface VerifiedAlarmChanges {
  latestVerified(alarmName: string): Promise<VerifiedAlarmChange | undefined>;
  /** Records `change` unless a later one (by `time`) is recorded already; recording one twice is no error. */
  recordVerified(change: VerifiedAlarmChange): Promise<void>;
}
