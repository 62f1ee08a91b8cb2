import type { MetricDataQuery } from '../../core/rollouts/domain/metric-analysis';
import type { MetricData } from '../../core/rollouts/ports/metric-data';

/** Metric data in memory: the values each query Id returns (whatever the window), and the calls made. */
export class FakeMetricData implements MetricData {
  readonly series = new Map<string, number[]>();
  readonly calls: { ids: string[]; start: Date; end: Date }[] = [];

  async values(queries: MetricDataQuery[], start: Date, end: Date): Promise<number[]> {
    this.calls.push({ ids: queries.map((q) => q.Id), start, end });
    const returned = queries.find((q) => q.ReturnData !== false)?.Id ?? '';
    return [...(this.series.get(returned) ?? [])];
  }
}
