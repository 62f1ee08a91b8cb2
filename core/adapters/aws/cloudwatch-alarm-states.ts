import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmStates } from '../../alarms/ports/alarms';
import type { AlarmState } from '../../rollouts/domain/analysis';
import { awsCall, SDK_RETRY_OFF } from './aws-call';

/** DescribeAlarms takes at most 100 names a call, and returns at most 100 alarms a page (50 unless asked). */
const PAGE = 100;

export class CloudWatchAlarmStates implements AlarmStates {
  constructor(private readonly cloudwatch: CloudWatchClient = new CloudWatchClient({ ...SDK_RETRY_OFF })) {}

  async states(names: string[]): Promise<Record<string, AlarmState>> {
    const result: Record<string, AlarmState> = {};
    const unique = [...new Set(names)];
    for (let i = 0; i < unique.length; i += PAGE) {
      const AlarmNames = unique.slice(i, i + PAGE);
      let NextToken: string | undefined;
      do {
        const page = await awsCall('CloudWatch DescribeAlarms', () =>
          this.cloudwatch.send(
            new DescribeAlarmsCommand({
              AlarmNames,
              NextToken,
              MaxRecords: PAGE,
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            }),
          ),
        );
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (alarm.AlarmName && alarm.StateValue) result[alarm.AlarmName] = alarm.StateValue as AlarmState;
        }
        NextToken = page.NextToken;
      } while (NextToken);
    }
    return result;
  }
}
