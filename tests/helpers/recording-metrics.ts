import type { MetricPoint } from '../../core/metrics/metric-points';
import type { Metrics } from '../../core/metrics/ports/metrics';

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
