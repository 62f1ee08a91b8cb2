import type { Logger } from '../../kernel/logger';
import type { MetricPoint } from '../../metrics/metric-points';
import type { Metrics } from '../../metrics/ports/metrics';

/** The sandbox's metrics: a log line each (no CloudWatch reads EMF lines there). */
export class LogMetrics implements Metrics {
  constructor(private readonly logger: Logger) {}

  record(points: readonly MetricPoint[]): void {
    for (const point of points) this.logger.info('metric', { metric: point });
  }
}

/** Metrics turned off (EKSFLOW_METRICS=off). */
export const noMetrics: Metrics = { record: () => undefined };
