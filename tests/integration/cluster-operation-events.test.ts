import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EksClusterApi } from '../../core/adapters/aws/eks-cluster-api';
import { DependencyError } from '../../core/kernel/errors';
import { deleteClustersMade, operationDone, track } from '../helpers/cluster-fixtures';
import { api, awsClientConfig, eventually, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

interface Received {
  source: string;
  'detail-type': string;
  detail: { eventId: string; operationId: string; kind: string; cluster: string; run: number; error?: unknown };
}

/**
 * Teams follow cluster operations as they follow rollouts and scaling: an EventBridge rule on source `eksflow`
 * (here, its target is a queue on the emulator). Provisioning and deletion publish Operation Started, Succeeded
 * and Failed, each with an eventId naming the operation, the run and the transition.
 */
describe('cluster operation transitions published to EventBridge', () => {
  let runtime: TestRuntime;
  /** CreateCluster of the armed cluster fails once, as EKS could refuse it. */
  let failCreateOf: string | undefined;
  const sqs = new SQSClient(awsClientConfig());
  let queueUrl: string;

  beforeAll(async () => {
    const real = new EksClusterApi(new EKSClient(awsClientConfig()));
    const clusters = new Proxy(real, {
      get: (obj, property, receiver) => {
        const value = Reflect.get(obj, property, receiver);
        if (property !== 'createCluster' || typeof value !== 'function') return value;
        return (spec: { name: string }, ...rest: unknown[]) => {
          if (spec.name === failCreateOf) {
            failCreateOf = undefined;
            throw new DependencyError('injected: CreateCluster refused (AccessDeniedException)');
          }
          return value.apply(obj, [spec, ...rest]);
        };
      },
    });
    runtime = await startTestRuntime({ containerOverrides: { clusters } });
    const bus = new EventBridgeClient(awsClientConfig());
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('cluster-events') }));
    queueUrl = QueueUrl ?? '';
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const rule = uniqueName('eksflow-cluster-operations');
    await bus.send(
      new PutRuleCommand({
        Name: rule,
        EventPattern: JSON.stringify({ source: ['eksflow'], 'detail-type': [{ prefix: 'Operation ' }] }),
      }),
    );
    await bus.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }] }));
  });
  afterAll(async () => {
    await deleteClustersMade();
    await runtime?.close();
  });

  const received: Received[] = [];
  /** The transitions of one operation, once `last` has arrived. */
  async function transitionsOf(operationId: string, last: string, count: number): Promise<Received[]> {
    return eventually(`${last} of ${operationId}`, async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      received.push(...(out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Received));
      const ours = received.filter((e) => e.detail.operationId === operationId);
      return ours.filter((e) => e['detail-type'] === last).length >= count ? ours : undefined;
    });
  }

  it('a provisioning that fails, is retried and succeeds, then its deletion: each transition once, with its eventId', async () => {
    // Prepare
    const name = track(uniqueName('events'));
    failCreateOf = name;

    // Act
    const accepted = await api(runtime, 'POST', '/clusters', { name, version: '1.33', onFailure: 'keep' });
    const failed = await operationDone(runtime, accepted.body.operationId);
    await api(runtime, 'POST', `/operations/${accepted.body.operationId}/retry`);
    const succeeded = await operationDone(runtime, accepted.body.operationId);
    const provision = await transitionsOf(accepted.body.operationId, 'Operation Succeeded', 1);
    const deletion = await api(runtime, 'DELETE', `/clusters/${name}`);
    await operationDone(runtime, deletion.body.operationId);
    const teardown = await transitionsOf(deletion.body.operationId, 'Operation Succeeded', 1);

    // Assess: the record and the bus say the same
    expect(failed.status).toBe('Failed');
    expect(succeeded.status).toBe('Succeeded');
    expect(provision.map((e) => [e['detail-type'], e.detail.run])).toEqual([
      ['Operation Started', 1],
      ['Operation Failed', 1],
      ['Operation Started', 2],
      ['Operation Succeeded', 2],
    ]);
    expect(provision[1]?.detail.error).toMatchObject({ code: 'DependencyError', step: 'RequestControlPlane' });
    expect(teardown.map((e) => e['detail-type'])).toEqual(['Operation Started', 'Operation Succeeded']);
    for (const event of [...provision, ...teardown]) {
      expect(event.source).toBe('eksflow');
      expect(event.detail.cluster).toBe(name);
    }
    expect(provision.every((e) => e.detail.kind === 'ProvisionCluster')).toBe(true);
    expect(teardown.every((e) => e.detail.kind === 'DeleteCluster')).toBe(true);
    const ids = [...provision, ...teardown].map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(provision[3]?.detail.eventId).toBe(`${accepted.body.operationId}:run-2:Succeeded`);
  });
});
