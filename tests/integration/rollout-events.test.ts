import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { flushOutbox } from '../../core/rollouts/steps/rollout-outbox';
import { defined } from '../helpers/defined';
import { createApp, waitForRollout } from '../helpers/rollout-fixtures';
import { api, awsClientConfig, eventually, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

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
    await events.send(
      new PutTargetsCommand({
        Rule: rule,
        Targets: [{ Id: 'queue', Arn: defined(Attributes?.QueueArn, 'Attributes.QueueArn') }],
      }),
    );
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
        received.push(...(out.Messages ?? []).map((m) => JSON.parse(defined(m.Body, 'm.Body'))));
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

  it('no transition is lost while PutEvents fails: the outbox keeps them and flushOutbox delivers each once', async () => {
    // Prepare: a runtime publishing to a bus that does not exist yet (EventBridge refuses every PutEvents)
    const sqs = new SQSClient(awsClientConfig());
    const events = new EventBridgeClient(awsClientConfig());
    const busName = uniqueName('eksflow-bus');
    const broken = await startTestRuntime({ env: { EKSFLOW_EVENT_BUS: busName } });
    try {
      const app = await createApp({ replicas: 2 });
      const { body } = await api(broken, 'POST', '/rollouts', {
        cluster: 'sandbox',
        namespace: app.namespace,
        deployment: 'web',
        image: 'nginx:1.28',
        canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
      });
      await waitForRollout(broken, body.id, (r) => r.status === 'Paused');
      await api(broken, 'POST', `/rollouts/${body.id}/abort`, { reason: 'outbox test' });
      const { history } = await waitForRollout(broken, body.id, (r) => r.status === 'Aborted');

      // Act: the failure clears (the bus appears, with a rule to a queue), then the sweep's flush runs
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('outbox-events') }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await events.send(new CreateEventBusCommand({ Name: busName }));
      const rule = uniqueName('eksflow-outbox');
      await events.send(
        new PutRuleCommand({
          Name: rule,
          EventBusName: busName,
          EventPattern: JSON.stringify({ source: ['eksflow'] }),
        }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: rule,
          EventBusName: busName,
          Targets: [{ Id: 'q', Arn: defined(Attributes?.QueueArn, 'Attributes.QueueArn') }],
        }),
      );
      const flushed = await flushOutbox(broken.container);
      const again = await flushOutbox(broken.container);

      // Assess: one event per history entry, each with its own stable id, none twice
      type Received = { 'detail-type': string; detail: { rolloutId: string; eventId: string } };
      const received: Received[] = [];
      await eventually(
        'every transition on the queue',
        async () => {
          const out = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
          );
          received.push(...(out.Messages ?? []).map((m) => JSON.parse(defined(m.Body, 'm.Body')) as Received));
          return received.filter((e) => e.detail.rolloutId === body.id).length >= history.length ? true : undefined;
        },
        10000,
        200,
      );
      const ours = received.filter((e) => e.detail.rolloutId === body.id);
      // A standard queue does not keep order; consumers order by detail.version and the index in eventId.
      expect(ours.map((e) => e['detail-type']).sort()).toEqual(
        history.map((h: { type: string }) => `Rollout ${h.type}`).sort(),
      );
      expect(new Set(ours.map((e) => e.detail.eventId)).size).toBe(history.length);
      expect(flushed.left).toBe(0);
      expect(again).toEqual({ published: 0, left: 0 });
    } finally {
      await broken.close();
    }
  });
});
