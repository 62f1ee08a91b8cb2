import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmStates } from '../../ports/alarms';
import type { AlarmState } from '../../validation/alarm-event';
import { awsCall } from './aws-call';

/** DescribeAlarms takes at most 100 names a call. */
const PAGE = 100;

export class CloudWatchAlarmStates implements AlarmStates {
  constructor(private readonly cloudwatch: CloudWatchClient = new CloudWatchClient({})) {}

  async states(names: string[]): Promise<Record<string, AlarmState>> {
    const result: Record<string, AlarmState> = {};
    for (let i = 0; i < names.length; i += PAGE) {
      const AlarmNames = names.slice(i, i + PAGE);
      let NextToken: string | undefined;
      do {
        const page = await awsCall('CloudWatch DescribeAlarms', () =>
          this.cloudwatch.send(
            new DescribeAlarmsCommand({ AlarmNames, NextToken, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
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
