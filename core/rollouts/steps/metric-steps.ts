import type { AlarmState } from '../../alarms/requests/alarm-event';
import {
  describeMeasurement,
  intervalSecondsOf,
  judgeMetric,
  type Measurement,
  type MetricSpec,
  measure,
  nextMeasurementAt,
} from '../domain/metric-analysis';
import { withHistory } from '../domain/rollout';
import { paused } from '../domain/transitions';
import type { CanaryStep, HistoryEvent, Rollout } from '../domain/types';
import { type RolloutDeps, saveRollout } from '../rollout-deps';
import { beginAbort } from './abort-steps';
import { again, finished, type PassResult, remaining } from './pass-result';
import { stepBoundary } from './rollout-steps';

/**
 * An analysis step: its metrics first (each measured `count` times, `interval` apart, every measurement in the
 * history with its value), then its alarms as at any step boundary. A metric over its failureLimit aborts, naming
 * the metric, the value and the condition; one over its inconclusiveLimit (no data with `noData: "pause"`) pauses
 * with that reason until promoted. A dryRun metric is measured and recorded, and decides nothing. Promote skips it.
 */
export async function analysisStep(
  deps: RolloutDeps,
  r: Rollout,
  step: Extract<CanaryStep, { analysis: unknown }>,
  states: Record<string, AlarmState>,
): Promise<PassResult> {
  const metrics = step.analysis.metrics ?? [];
  if (metrics.length > 0 && r.promoteRequest !== 'step') {
    const waiting = await metricsPass(deps, r, metrics);
    if (waiting) return waiting;
  }
  return stepBoundary(deps, r, states, step.analysis.alarms);
}

/** One pass over a step's metrics: a decision, the measurements now due, or the wait until the next; undefined once all have passed. */
async function metricsPass(deps: RolloutDeps, r: Rollout, metrics: MetricSpec[]): Promise<PassResult | undefined> {
  const now = deps.now();
  const run =
    r.metricRun?.stepIndex === r.currentStepIndex
      ? r.metricRun
      : { stepIndex: r.currentStepIndex, startedAt: now.toISOString(), measurements: [] };
  for (const spec of metrics) {
    const verdict = judgeMetric(spec, run.measurements);
    if (spec.dryRun || verdict.state === 'passed') continue;
    if (verdict.state === 'failed')
      return beginAbort(deps, r, `analysis failed: ${describeMeasurement(spec, verdict.measurement)}`);
    if (verdict.state === 'inconclusive') {
      if (r.status === 'Paused' && r.pause?.reason === 'NoData') return finished(r);
      const message = `metric ${describeMeasurement(spec, verdict.measurement)}: waiting for promote`;
      const next = paused(r, now, 'NoData', message, { stepIndex: r.currentStepIndex });
      return finished(await saveRollout(deps, r, next));
    }
  }
  // Every metric, dryRun ones too, is measured to its count (or until a dryRun one would have decided).
  const measuring = metrics.filter((spec) => judgeMetric(spec, run.measurements).state === 'running');
  if (measuring.length === 0) return undefined;
  const due = measuring.filter((spec) => nextMeasurementAt(spec, run.measurements, run.startedAt) <= now.getTime());
  if (due.length === 0) {
    const next = Math.min(...measuring.map((spec) => nextMeasurementAt(spec, run.measurements, run.startedAt)));
    return again(r, Math.max(1, remaining(now, new Date(next).toISOString())));
  }
  let next: Rollout = { ...r, metricRun: { ...run, measurements: [...run.measurements] } };
  for (const spec of due) {
    const start = new Date(now.getTime() - intervalSecondsOf(spec) * 1000);
    const m = measure(spec, await deps.metricData.values(spec.query, start, now), now.toISOString());
    next.metricRun?.measurements.push(m);
    next = withHistory(next, now, 'Measured', describeMeasurement(spec, m), {
      stepIndex: r.currentStepIndex,
      metric: metricEntry(spec, m),
    });
  }
  return again(await saveRollout(deps, r, next), 0);
}

function metricEntry(spec: MetricSpec, m: Measurement): NonNullable<HistoryEvent['metric']> {
  return {
    name: spec.name,
    value: m.value,
    operator: spec.condition.operator,
    threshold: spec.condition.threshold,
    result: m.result,
    ...(spec.dryRun ? { dryRun: true } : {}),
  };
}
