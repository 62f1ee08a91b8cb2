import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../../kernel/logger';
import type { MetricPoint } from '../../metrics/metric-points';
import type { Metrics } from '../../metrics/ports/metrics';

/** CloudWatch namespace of eksflow's metrics. */
export const METRICS_NAMESPACE = 'eksflow';

/**
 * Powertools Metrics: each point is one Embedded Metric Format line on stdout, which CloudWatch Logs turns
 * into a metric. Published at once (a single metric) rather than stored until the invocation ends: the use
 * cases record points from anywhere, also in the local runtime, where no invocation "ends".
 */
export class EmfMetrics implements Metrics {
  private readonly metrics: PowertoolsMetrics;

  constructor(
    serviceName: string,
    private readonly logger: Logger,
    namespace = METRICS_NAMESPACE,
  ) {
    this.metrics = new PowertoolsMetrics({ namespace, serviceName });
  }

  /**
   * Best effort: it is called after a transition was saved, and a metric that cannot be written must not
   * turn that into a failed request or a retried step.
   */
  record(points: readonly MetricPoint[]): void {
    for (const point of points) {
      try {
        const single = this.metrics.singleMetric();
        single.addDimensions(point.dimensions);
        single.addMetric(point.name, MetricUnit[point.unit], point.value);
      } catch (error) {
        this.logger.warn('metric not recorded', { metric: point, error });
      }
    }
  }
}
