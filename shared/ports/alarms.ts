import type { AlarmState } from '../validation/alarm-event';

/** CloudWatch alarms as the rollouts read them. */
export interface AlarmStates {
  /** Current state of each named alarm; names that do not exist are absent from the result. */
  states(names: string[]): Promise<Record<string, AlarmState>>;
}
