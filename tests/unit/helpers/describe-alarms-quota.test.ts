import { CloudWatchClient, DescribeAlarmsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { meterDescribeAlarms, TokenBucket } from '../../helpers/describe-alarms-quota';

/** A client whose transport answers nothing: a request that passes the quota fails at the network, named so. */
function offlineClient() {
  return new CloudWatchClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => {
        throw Object.assign(new Error('reached the service'), { name: 'Reached' });
      },
    },
  });
}

describe('TokenBucket', () => {
  it('lets `burst` through at once, then `rate` a second', () => {
    // Prepare
    let now = 0;
    const bucket = new TokenBucket({ rate: 9, burst: 9, source: 'test' }, () => now);

    // Act
    const first = Array.from({ length: 10 }, () => bucket.take());
    now += 1000 / 9;
    const afterOneNinth = [bucket.take(), bucket.take()];

    // Assess
    expect(first.filter(Boolean)).toHaveLength(9);
    expect(afterOneNinth).toEqual([true, false]);
  });
});

describe('meterDescribeAlarms', () => {
  it('counts DescribeAlarms and throttles past the quota as CloudWatch does; other calls pass untouched', async () => {
    // Prepare
    const client = offlineClient();
    const meter = meterDescribeAlarms(client, { rate: 1, burst: 3, source: 'test' });

    // Act
    const results = await Promise.all(
      Array.from({ length: 5 }, () => client.send(new DescribeAlarmsCommand({})).catch((e: Error) => e.name)),
    );
    const other = await client.send(new ListMetricsCommand({})).catch((e: Error) => e.name);

    // Assess
    expect(results.filter((r) => r === 'Reached')).toHaveLength(3);
    expect(results.filter((r) => r === 'Throttling')).toHaveLength(2);
    expect(meter).toEqual({ calls: 3, throttled: 2 });
    expect(other).toBe('Reached');
  });
});
