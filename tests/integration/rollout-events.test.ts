import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { api, awsClientConfig, eventually, startTestRuntime, uniqueName, type TestRuntime } from '../helpers/stack';
import { createApp, waitForRollout } from '../helpers/rollout-fixtures';

/** Teams subscribe to rollout transitions with an EventBridge rule on source `eksflow`; here the target is an SQS queue on the emulator. */
describe('rollout transitions published to EventBridge', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.close());

  it('publishes Started, Paused and Aborted with the rollout id', async () => {
    // Prepare: rule (source eksflow) → queue
    const sqs = new SQSClient(awsClientConfig());
    const events = new EventBridgeClient(awsClientConfig());
    const queueName = uniqueName('rollout-events');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const rule = uniqueName('eksflow-rollouts');
    await events.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ['eksflow'] }) }));
    await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }] }));
    const app = await createApp({ replicas: 2 });

    // Act
    const { body } = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: 'web',
      image: 'nginx:1.28',
      canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
    });
    await waitForRollout(runtime, body.id, (r) => r.status === 'Paused');
    await api(runtime, 'POST', `/rollouts/${body.id}/abort`, { reason: 'testing notifications' });

    // Assess
    const received: { 'detail-type': string; source: string; detail: { rolloutId: string } }[] = [];
    await eventually(
      'Aborted event',
      async () => {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        received.push(...(out.Messages ?? []).map((m) => JSON.parse(m.Body!)));
        return received.some((e) => e['detail-type'] === 'Rollout Aborted') ? true : undefined;
      },
      10000,
      200,
    );
    const ours = received.filter((e) => e.detail.rolloutId === body.id);
    expect(ours.every((e) => e.source === 'eksflow')).toBe(true);
    expect(ours.map((e) => e['detail-type'])).toEqual(
      expect.arrayContaining(['Rollout Started', 'Rollout Paused', 'Rollout Aborted']),
    );
  });
});
