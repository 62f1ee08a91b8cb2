import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricDataQuery as Query } from '../../rollouts/domain/metric-analysis';
import type { MetricData } from '../../rollouts/ports/metric-data';
import { awsCall, SDK_RETRY_OFF } from './aws-call';

/** GetMetricData for metric analysis: one call per page, datapoints oldest first. */
export class CloudWatchMetricData implements MetricData {
  constructor(private readonly cloudwatch: CloudWatchClient = new CloudWatchClient({ ...SDK_RETRY_OFF })) {}

  async values(queries: Query[], start: Date, end: Date): Promise<number[]> {
    const returned = queries.find((q) => q.ReturnData !== false)?.Id;
    const points: { at: number; value: number }[] = [];
    let NextToken: string | undefined;
    do {
      const page = await awsCall('CloudWatch GetMetricData', () =>
        this.cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries as unknown as MetricDataQuery[],
            StartTime: start,
            EndTime: end,
            ScanBy: 'TimestampAscending',
            NextToken,
          }),
        ),
      );
      for (const result of page.MetricDataResults ?? []) {
        if (result.Id !== returned) continue;
        (result.Values ?? []).forEach((value, i) => {
          points.push({ at: result.Timestamps?.[i]?.getTime() ?? 0, value });
        });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return points.sort((a, b) => a.at - b.at).map((p) => p.value);
  }
}
