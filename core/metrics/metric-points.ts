import type { Operation } from '../operations/domain/operation';
import type { Rollout } from '../rollouts/domain/types';

/** The metrics eksflow publishes (CloudWatch namespace `eksflow`). */
export type MetricName =
  | 'RolloutsStarted'
  | 'RolloutsPromoted'
  | 'RolloutsAborted'
  | 'RolloutsFailed'
  /** From an abort an alarm caused (recorded as the ALARM event is handled) to stable serving alone. */
  | 'AlarmToStableMilliseconds'
  /** Operations (provisioning, …) that ended, by `kind` and `outcome`. */
  | 'OperationsFinished';

export interface MetricPoint {
  name: MetricName;
  unit: 'Count' | 'Milliseconds';
  value: number;
  /** Few values each (a strategy, a kind, an outcome): every distinct set is a CloudWatch metric of its own. */
  dimensions: Record<string, string>;
}

/**
 * The metrics of one rollout write: what the status change from `before` to `after` means. Pure, and
 * called only with a write that succeeded (a conditional write: each transition is stored, so counted, once).
 * `before` is undefined for the write that creates the rollout.
 */
export function rolloutMetricPoints(before: Rollout | undefined, after: Rollout): MetricPoint[] {
  const strategy = after.strategy;
  const count = (name: MetricName): MetricPoint => ({ name, unit: 'Count', value: 1, dimensions: { strategy } });
  if (!before) return [count('RolloutsStarted')];
  if (before.status === after.status) return [];
  switch (after.status) {
    case 'Promoted':
      return [count('RolloutsPromoted')];
    case 'Aborted':
      return [count('RolloutsAborted'), ...alarmToStable(after, strategy)];
    case 'Failed':
      return [count('RolloutsFailed'), ...alarmToStable(after, strategy)];
    default:
      return [];
  }
}

function alarmToStable(r: Rollout, strategy: string): MetricPoint[] {
  if (!r.abort?.alarm || !r.finishedAt) return [];
  const value = Date.parse(r.finishedAt) - Date.parse(r.abort.at);
  if (!Number.isFinite(value)) return [];
  // The abort and the end may be recorded by two functions whose clocks differ by a few ms: never below 0.
  return [
    { name: 'AlarmToStableMilliseconds', unit: 'Milliseconds', value: Math.max(0, value), dimensions: { strategy } },
  ];
}

/** The metric of an operation's end; nothing while it runs or when it had already ended. */
export function operationMetricPoints(before: Operation, after: Operation): MetricPoint[] {
  if (before.status !== 'Running' || after.status === 'Running') return [];
  return [
    {
      name: 'OperationsFinished',
      unit: 'Count',
      value: 1,
      dimensions: { kind: after.kind, outcome: after.status },
    },
  ];
}
