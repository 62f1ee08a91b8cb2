import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createApp, waitForRollout } from '../helpers/rollout-fixtures';
import { api, awsClientConfig, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';
import { testClock } from '../helpers/test-clock';

/** Metric analysis on the emulator's CloudWatch: data put with PutMetricData, read by the rollout with GetMetricData. */
describe('canary analysis on CloudWatch metrics', () => {
  let runtime: TestRuntime;
  const cloudwatch = new CloudWatchClient(awsClientConfig());
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => {
    cloudwatch.destroy();
    await runtime?.close();
  });

  /** A metric of its own, with these values put a few seconds before now on the test clock. */
  async function errorsMetric(values: number[]) {
    const namespace = uniqueName('Web');
    if (values.length > 0)
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: values.map((Value) => ({
            MetricName: 'ErrorRate',
            Value,
            Timestamp: new Date(testClock().now().getTime() - 5000),
          })),
        }),
      );
    return {
      name: 'error-rate',
      query: [
        {
          Id: 'errors',
          MetricStat: { Metric: { Namespace: namespace, MetricName: 'ErrorRate' }, Period: 60, Stat: 'Maximum' },
        },
      ],
      interval: '1m',
      count: 1,
      condition: { operator: '<=', threshold: 0.01, statistic: 'max' },
      noData: 'pause',
    };
  }

  async function start(metric: Record<string, unknown>) {
    const app = await createApp({ replicas: 2 });
    const { status, body } = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: 'web',
      image: 'nginx:1.28',
      canary: { steps: [{ setWeight: 50 }, { analysis: { metrics: [metric] } }] },
    });
    expect(status).toBe(202);
    return body.id as string;
  }

  it('aborts on a bad value, and the history names the metric, the value and the threshold', async () => {
    // Act
    const id = await start(await errorsMetric([0.002, 0.05]));
    const done = await waitForRollout(runtime, id, (r) => r.status === 'Aborted', 60000);

    // Assess
    expect(done.abort.reason).toBe('analysis failed: error-rate measured 0.05, which fails <= 0.01 (max)');
    const measured = done.history.find((h: { type: string }) => h.type === 'Measured');
    expect(measured.metric).toEqual({
      name: 'error-rate',
      value: 0.05,
      operator: '<=',
      threshold: 0.01,
      result: 'Failed',
    });
  }, 90000);

  it('promotes on good values', async () => {
    // Act
    const id = await start(await errorsMetric([0.001, 0.002]));
    const done = await waitForRollout(runtime, id, (r) => r.status === 'Promoted', 60000);

    // Assess
    const measured = done.history.filter((h: { type: string }) => h.type === 'Measured');
    expect(measured.map((h: { metric: { value: number; result: string } }) => h.metric)).toEqual([
      { name: 'error-rate', value: 0.002, operator: '<=', threshold: 0.01, result: 'Successful' },
    ]);
  }, 90000);

  it('pauses on no data with noData "pause", with that reason', async () => {
    // Act
    const id = await start(await errorsMetric([]));
    const paused = await waitForRollout(runtime, id, (r) => r.status === 'Paused', 60000);

    // Assess
    expect(paused.pause.reason).toBe('NoData');
    expect(paused.history.at(-1).message).toBe('metric error-rate had no data (noData: pause): waiting for promote');
  }, 90000);
});
