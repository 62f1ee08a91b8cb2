import { parseDuration } from './duration';

/**
 * Analysis on CloudWatch metrics (issue 18): a metric is measured `count` times, `interval` apart, each time with
 * GetMetricData over the last interval, and each measurement is judged against a small, documented condition (an
 * operator, a threshold, and which statistic of the returned datapoints: max, avg or last). Not an expression
 * language. A measurement with no datapoints is neither a pass nor a silent halt: the metric's own `noData` says
 * (pass: counts as a success; fail: as a failure; pause: as inconclusive).
 */

export type MetricOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type MetricStatistic = 'max' | 'avg' | 'last';

/** One GetMetricData MetricDataQuery, as the API takes it (validated in requests/, passed through as is). */
export type MetricDataQuery = Record<string, unknown> & { Id: string };

export interface MetricSpec {
  name: string;
  query: MetricDataQuery[];
  /** Time between measurements, and the window each one reads ("30s", "1m"). */
  interval: string;
  count: number;
  /** Failed measurements tolerated; one more fails the metric. */
  failureLimit: number;
  /** Inconclusive (no data, noData: pause) measurements tolerated; one more pauses the rollout. */
  inconclusiveLimit: number;
  condition: { operator: MetricOperator; threshold: number; statistic: MetricStatistic };
  /** What a measurement without datapoints counts as (types.ts NoDataPolicy; spelled out: types.ts imports this). */
  noData: 'pass' | 'pause' | 'fail';
  /** Measured and recorded, never decides. */
  dryRun: boolean;
}

export type MeasurementResult = 'Successful' | 'Failed' | 'Inconclusive';

export interface Measurement {
  metric: string;
  at: string;
  /** The statistic of the datapoints; null when there were none. */
  value: number | null;
  result: MeasurementResult;
}

export type MetricVerdict =
  | { state: 'running' }
  | { state: 'passed' }
  | { state: 'failed'; measurement: Measurement }
  | { state: 'inconclusive'; measurement: Measurement };

export function holds(operator: MetricOperator, value: number, threshold: number): boolean {
  switch (operator) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** The statistic of datapoints given oldest first; undefined when there are none. */
export function statisticOf(values: number[], statistic: MetricStatistic): number | undefined {
  if (values.length === 0) return undefined;
  if (statistic === 'last') return values[values.length - 1];
  if (statistic === 'max') return Math.max(...values);
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** One measurement of a metric from the datapoints its query returned (oldest first). */
export function measure(spec: MetricSpec, values: number[], at: string): Measurement {
  const value = statisticOf(values, spec.condition.statistic);
  if (value === undefined) {
    const result: MeasurementResult =
      spec.noData === 'pass' ? 'Successful' : spec.noData === 'fail' ? 'Failed' : 'Inconclusive';
    return { metric: spec.name, at, value: null, result };
  }
  const { operator, threshold } = spec.condition;
  return { metric: spec.name, at, value, result: holds(operator, value, threshold) ? 'Successful' : 'Failed' };
}

/** Where a metric stands after its measurements so far. */
export function judgeMetric(spec: MetricSpec, measurements: Measurement[]): MetricVerdict {
  const mine = measurements.filter((m) => m.metric === spec.name);
  const failed = mine.filter((m) => m.result === 'Failed');
  const inconclusive = mine.filter((m) => m.result === 'Inconclusive');
  const lastFailed = failed.at(-1);
  if (lastFailed && failed.length > spec.failureLimit) return { state: 'failed', measurement: lastFailed };
  const lastInconclusive = inconclusive.at(-1);
  if (lastInconclusive && inconclusive.length > spec.inconclusiveLimit)
    return { state: 'inconclusive', measurement: lastInconclusive };
  return mine.length >= spec.count ? { state: 'passed' } : { state: 'running' };
}

/** When the metric's next measurement is due: at once for the first, then `interval` after the last. */
export function nextMeasurementAt(spec: MetricSpec, measurements: Measurement[], startedAt: string): number {
  const last = measurements.filter((m) => m.metric === spec.name).at(-1);
  return last ? Date.parse(last.at) + intervalSecondsOf(spec) * 1000 : Date.parse(startedAt);
}

/** The interval in seconds (validated at the request, so always a duration). */
export function intervalSecondsOf(spec: Pick<MetricSpec, 'interval'>): number {
  return parseDuration(spec.interval) ?? 60;
}

/** "error-rate measured 0.05, which fails <= 0.01 (max)": what the history says of a measurement. */
export function describeMeasurement(spec: MetricSpec, m: Measurement): string {
  const { operator, threshold, statistic } = spec.condition;
  if (m.value === null) return `${spec.name} had no data (noData: ${spec.noData})`;
  const verdict = m.result === 'Successful' ? 'meets' : 'fails';
  return `${spec.name} measured ${m.value}, which ${verdict} ${operator} ${threshold} (${statistic})`;
}
