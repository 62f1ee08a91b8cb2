import type { AlarmState } from '../domain/rollout/analysis';

/** CloudWatch alarms as the rollouts read them. */
export interface AlarmStates {
  /** Current state of each named alarm; names that do not exist are absent from the result. */
  states(names: string[]): Promise<Record<string, AlarmState>>;
}
