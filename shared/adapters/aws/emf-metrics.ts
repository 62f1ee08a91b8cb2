import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { MetricPoint } from '../../domain/metrics/metric-points';
import type { Metrics } from '../../ports/metrics';

/** CloudWatch namespace of eksflow's metrics. */
export const METRICS_NAMESPACE = 'eksflow';

/**
 * Powertools Metrics: each point is one Embedded Metric Format line on stdout, which CloudWatch Logs turns
 * into a metric. Published at once (a single metric) rather than stored until the invocation ends: the use
 * cases record points from anywhere, also in the local runtime, where no invocation "ends".
 */
export class EmfMetrics implements Metrics {
  private readonly metrics: PowertoolsMetrics;

  constructor(serviceName: string, namespace = METRICS_NAMESPACE) {
    this.metrics = new PowertoolsMetrics({ namespace, serviceName });
  }

  record(points: readonly MetricPoint[]): void {
    for (const point of points) {
      const single = this.metrics.singleMetric();
      single.addDimensions(point.dimensions);
      single.addMetric(point.name, MetricUnit[point.unit], point.value);
    }
  }
}
