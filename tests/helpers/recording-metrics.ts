import type { MetricPoint } from '../../shared/domain/metrics/metric-points';
import type { Metrics } from '../../shared/ports/metrics';

/** Metrics as a list of the points recorded, for tests that a transition is counted (once). */
export class RecordingMetrics implements Metrics {
  readonly points: MetricPoint[] = [];

  record(points: readonly MetricPoint[]): void {
    this.points.push(...points);
  }

  named(name: MetricPoint['name']): MetricPoint[] {
    return this.points.filter((p) => p.name === name);
  }
}
