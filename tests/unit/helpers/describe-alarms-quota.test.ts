import { CloudWatchClient, DescribeAlarmsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { meterDescribeAlarms } from '../../helpers/describe-alarms-quota';

/** A client whose transport answers the first `throttled` requests with CloudWatch's throttling error, then fails. */
function scriptedClient(throttled: number) {
  let seen = 0;
  return new CloudWatchClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => {
        seen++;
        throw Object.assign(new Error(seen <= throttled ? 'Rate exceeded' : 'reached the service'), {
          name: seen <= throttled ? 'Throttling' : 'Reached',
        });
      },
    },
  });
}

describe('meterDescribeAlarms', () => {
  it('counts DescribeAlarms requests, the throttled apart; other calls are not counted', async () => {
    // Prepare
    const client = scriptedClient(2);
    const meter = meterDescribeAlarms(client);

    // Act
    const results = [];
    for (let i = 0; i < 5; i++)
      results.push(await client.send(new DescribeAlarmsCommand({})).catch((e: Error) => e.name));
    const other = await client.send(new ListMetricsCommand({})).catch((e: Error) => e.name);

    // Assess
    expect(results).toEqual(['Throttling', 'Throttling', 'Reached', 'Reached', 'Reached']);
    expect(other).toBe('Reached');
    expect(meter).toEqual({ calls: 3, throttled: 2 });
  });
});
