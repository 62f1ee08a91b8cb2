import type { MetricDataQuery } from '../domain/metric-analysis';

/** CloudWatch metric data, as metric analysis reads it. */
export interface MetricData {
  /**
   * The datapoints, oldest first, of the one query that returns data (the others feed it, e.g. metric math),
   * between `start` and `end`.
   */
  values(queries: MetricDataQuery[], start: Date, end: Date): Promise<number[]>;
}
