import type { MetricPoint } from '../metric-points';

/**
 * Where business metrics go: deployed, CloudWatch metrics through the Embedded Metric Format (Powertools
 * Metrics); in the sandbox, log lines; in unit tests, whatever the test records.
 */
export interface Metrics {
  record(points: readonly MetricPoint[]): void;
}
