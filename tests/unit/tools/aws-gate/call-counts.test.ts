import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CallCounts, gateCallCounts } from '../../../../tools/aws-gate/call-counts';
import { type AwsGate, startAwsGate } from '../../../../tools/aws-gate/gate';

const REGION = 'us-east-1';
const ADMIN = { accessKeyId: 'AKIAADMIN', secretAccessKey: 'admin', principalArn: 'arn:aws:iam::000000000000:user/a' };
const FUNCTION = {
  accessKeyId: 'ASIAFUNCTION',
  secretAccessKey: 'function',
  principalArn: 'arn:aws:sts::000000000000:assumed-role/eksflow-dev-us-east-1-alarm/alarm',
  policies: [],
};

describe('CallCounts', () => {
  it('counts by caller and action, each answer apart, and forgets on reset', () => {
    // Prepare
    const counts = new CallCounts();

    // Act
    counts.record('p', 'cloudwatch:DescribeAlarms', 'answered');
    counts.record('p', 'cloudwatch:DescribeAlarms', 'throttled');
    counts.record('p', 'cloudwatch:DescribeAlarms', 'throttled');
    counts.record('q', 'eks:DescribeCluster', 'denied');
    const before = counts.list();
    counts.reset();

    // Assess
    expect(before).toEqual([
      { principal: 'p', action: 'cloudwatch:DescribeAlarms', answered: 1, throttled: 2, denied: 0 },
      { principal: 'q', action: 'eks:DescribeCluster', answered: 0, throttled: 0, denied: 1 },
    ]);
    expect(counts.list()).toEqual([]);
  });
});

describe('the AWS gate counts the calls it answers', () => {
  let emulator: http.Server;
  let gate: AwsGate;

  beforeAll(async () => {
    // A stand-in for moto: answers every forwarded DescribeAlarms with no alarms.
    emulator = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{"MetricAlarms":[],"CompositeAlarms":[]}');
    });
    await new Promise<void>((resolve) => emulator.listen(0, '127.0.0.1', resolve));
    gate = await startAwsGate({
      emulatorEndpoint: `http://127.0.0.1:${(emulator.address() as AddressInfo).port}`,
      region: REGION,
      admins: [ADMIN],
      identities: [FUNCTION],
      // Two calls take a token (the quota comes before IAM, as in AWS), the third is throttled (no refill to speak of).
      quotas: { 'cloudwatch:DescribeAlarms': { rate: 0.001, burst: 2, source: 'test' } },
    });
  });
  afterAll(async () => {
    await gate.close();
    await new Promise<void>((resolve) => emulator.close(() => resolve()));
  });

  const client = (keys: { accessKeyId: string; secretAccessKey: string }) =>
    new CloudWatchClient({ region: REGION, endpoint: gate.endpoint, credentials: keys, maxAttempts: 1 });

  it('answered, throttled and denied, by principal and action, at the admin-only route; reset sets them to zero', async () => {
    // Prepare
    const describe = (keys: { accessKeyId: string; secretAccessKey: string }) =>
      client(keys)
        .send(new DescribeAlarmsCommand({ AlarmNames: ['a'] }))
        .then(
          () => 'ok',
          (e: Error) => e.name,
        );

    // Act
    const outcomes = [await describe(ADMIN), await describe(FUNCTION), await describe(ADMIN)];
    const counts = await gateCallCounts(gate.endpoint, REGION, ADMIN);
    const refused = await gateCallCounts(gate.endpoint, REGION, FUNCTION).catch((e: Error) => e.message);
    await gateCallCounts(gate.endpoint, REGION, ADMIN, { reset: true });
    const afterReset = await gateCallCounts(gate.endpoint, REGION, ADMIN);

    // Assess
    expect(outcomes).toEqual(['ok', 'AccessDenied', 'Throttling']);
    expect(counts).toEqual(
      expect.arrayContaining([
        { principal: ADMIN.principalArn, action: 'cloudwatch:DescribeAlarms', answered: 1, throttled: 1, denied: 0 },
        { principal: FUNCTION.principalArn, action: 'cloudwatch:DescribeAlarms', answered: 0, throttled: 0, denied: 1 },
      ]),
    );
    expect(refused).toMatch(/403 admin keys only/);
    expect(afterReset).toEqual([]);
  });
});
