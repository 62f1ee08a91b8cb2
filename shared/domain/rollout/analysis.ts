import type { AlarmState } from '../../validation/alarm-event';
import type { NoDataPolicy } from './types';

export type AnalysisOutcome =
  | { result: 'pass' }
  | { result: 'pause'; alarm: string; message: string }
  | { result: 'fail'; alarm: string; message: string };

/**
 * Judges the guarding alarms at a step boundary: any ALARM fails; INSUFFICIENT_DATA follows the
 * rollout's `noData` policy (so a canary with no traffic neither promotes blindly nor halts
 * unexplained); all OK passes. A missing alarm counts as no data.
 */
export function judgeAlarms(
  states: Record<string, AlarmState | undefined>,
  alarms: string[],
  noData: NoDataPolicy,
): AnalysisOutcome {
  const firing = alarms.find((a) => states[a] === 'ALARM');
  if (firing) return { result: 'fail', alarm: firing, message: `alarm ${firing} is in ALARM` };
  const silent = alarms.find((a) => states[a] !== 'OK');
  if (!silent || noData === 'pass') return { result: 'pass' };
  const message = `alarm ${silent} has insufficient data (noData: ${noData})`;
  return noData === 'fail' ? { result: 'fail', alarm: silent, message } : { result: 'pause', alarm: silent, message };
}
