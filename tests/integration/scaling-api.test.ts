import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { defined } from '../helpers/defined';
import { createNodegroup, emulatorNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import {
  api,
  apiAs,
  awsClientConfig,
  eventually,
  startTestRuntime,
  type TestRuntime,
  uniqueName,
} from '../helpers/stack';

/** Issue 10 items 1, 5 and 6: scaling on request through the HTTP API, against the emulator's node groups. */
describe('node-group scaling on request', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  }, 60000);
  afterAll(async () => runtime?.close());

  const path = (ng: NodegroupFixture, rest = '') => `/clusters/${ng.cluster}/nodegroups/${ng.name}${rest}`;
  const keyed = () => ({ headers: { 'idempotency-key': randomUUID() } });
  const finishedOperation = (id: string) =>
    eventually(`operation ${id} to finish`, async () => {
      const { body } = await api(runtime, 'GET', `/operations/${id}`);
      return body.status === 'Running' ? undefined : body;
    });

  it('scales to a desired size: 202, waits for the update (InProgress, then Successful), records who and from → to', async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds: 1 });

    // Act
    const accepted = await api(runtime, 'POST', path(ng, '/scale'), { desiredSize: 5 });
    const during = await eventually('the update to be in progress', async () => {
      const group = await emulatorNodegroup(ng);
      return group.status === 'UPDATING' || group.desiredSize === 5 ? group : undefined;
    });
    const operation = await finishedOperation(accepted.body.operationId);

    // Assess
    expect(accepted.status).toBe(202);
    expect(during.status).toBe('UPDATING');
    expect(operation.status).toBe('Succeeded');
    expect(operation.kind).toBe('ScaleNodegroup');
    expect(operation.steps.map((s: { name: string }) => s.name)).toEqual(['Requested', 'UpdateRequested', 'Completed']);
    expect(operation.scale).toMatchObject({
      requestedBy: 'arn:aws:iam::000000000000:user/eksflow-admin',
      from: { minSize: 1, maxSize: 10, desiredSize: 2 },
      to: { minSize: 1, maxSize: 10, desiredSize: 5 },
      updateId: expect.any(String),
    });
    expect(await emulatorNodegroup(ng)).toMatchObject({ status: 'ACTIVE', desiredSize: 5, minSize: 1, maxSize: 10 });
    // The last task records Succeeded, then the run itself ends: wait for the run, do not race it.
    const execution = await eventually('the scale run to end', async () => {
      const run = runtime.engine.get(`scale-nodegroup:${accepted.body.operationId}`);
      return run?.status === 'RUNNING' ? undefined : run;
    });
    expect(execution?.status).toBe('SUCCEEDED');
    // It waited (the update was InProgress at least once), with a growing wait, not a tight poll.
    const waits = execution?.statesEntered.filter((s) => s === 'WaitForUpdate').length ?? 0;
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(waits).toBeLessThanOrEqual(2);
  });

  it('shows sizes, status and recent operations on GET …/nodegroups and …/nodegroups/{ng}', async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 0, maxSize: 4, desiredSize: 1 });
    const accepted = await api(runtime, 'POST', path(ng, '/scale'), { delta: 2, maxSize: 6 }, keyed());
    await finishedOperation(accepted.body.operationId);

    // Act
    const one = await api(runtime, 'GET', path(ng));
    const all = await api(runtime, 'GET', `/clusters/${ng.cluster}/nodegroups`);

    // Assess
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: ng.name, status: 'ACTIVE', minSize: 0, maxSize: 6, desiredSize: 3 });
    expect(one.body.activeOperationId).toBeUndefined();
    expect(one.body.recentOperations).toEqual([
      expect.objectContaining({
        id: accepted.body.operationId,
        status: 'Succeeded',
        from: { minSize: 0, maxSize: 4, desiredSize: 1 },
        to: { minSize: 0, maxSize: 6, desiredSize: 3 },
      }),
    ]);
    expect(all.status).toBe(200);
    expect(all.body.nodegroups.map((g: { name: string }) => g.name)).toContain(ng.name);
  });

  it.each([
    ['above max', { desiredSize: 11 }, 'desiredSize', /above maxSize 10.*current sizes: min 2, desired 3, max 10/],
    ['below min', { delta: -2 }, 'delta', /below minSize 2.*current sizes: min 2, desired 3, max 10/],
    ['min above max', { minSize: 8, maxSize: 4 }, 'minSize', /minSize 8 is above maxSize 4/],
    ['negative', { desiredSize: -1 }, 'desiredSize', /0 or more/],
    ['not a whole number', { desiredSize: 2.5 }, 'desiredSize', /whole number/],
    ['two ways at once', { desiredSize: 3, delta: 1 }, 'delta', /only one/],
    ['nothing asked', {}, 'desiredSize', /give desiredSize/],
    ['unknown field', { desired: 3 }, 'desired', /unknown field/],
  ])(
    'refuses a bad size (%s) with 400 naming the field and the current sizes, and changes nothing',
    async (_case, body, field, reason) => {
      // Prepare
      const ng = await createNodegroup({ minSize: 2, maxSize: 10, desiredSize: 3 });
      const executionsBefore = runtime.engine.list().length;

      // Act
      // A delta needs an Idempotency-Key (its own test is tests/integration/hostile-tenant.test.ts).
      const response = await api(runtime, 'POST', path(ng, '/scale'), body, 'delta' in body ? keyed() : {});

      // Assess
      expect(response.status).toBe(400);
      expect(response.body.error.details[0].field).toBe(field);
      expect(response.body.error.details[0].reason).toMatch(reason);
      expect(await emulatorNodegroup(ng)).toMatchObject({ status: 'ACTIVE', minSize: 2, maxSize: 10, desiredSize: 3 });
      expect(runtime.engine.list().length).toBe(executionsBefore);
      expect((await api(runtime, 'GET', path(ng))).body.activeOperationId).toBeUndefined();
    },
  );

  it('answers an unknown node group and an unknown cluster with 404 naming the field', async () => {
    // Act
    const noGroup = await api(runtime, 'POST', '/clusters/sandbox/nodegroups/no-such-group/scale', { desiredSize: 1 });
    const noCluster = await api(runtime, 'POST', '/clusters/no-such-cluster/nodegroups/ng/scale', { desiredSize: 1 });
    const readNoGroup = await api(runtime, 'GET', '/clusters/sandbox/nodegroups/no-such-group');

    // Assess
    expect([noGroup.status, noCluster.status, readNoGroup.status]).toEqual([404, 404, 404]);
    expect(noGroup.body.error.details).toEqual([{ field: 'nodegroup', reason: 'no such node group' }]);
    expect(noCluster.body.error.details).toEqual([{ field: 'cluster', reason: 'no such EKS cluster' }]);
  });

  it('20 concurrent scale calls: one 202, 19 × 409 naming the running operation, one consistent size', async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 30, desiredSize: 1, updateSeconds: 2 });

    // Act
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api(runtime, 'POST', path(ng, '/scale'), { desiredSize: i + 2 })),
    );
    const accepted = responses.filter((r) => r.status === 202);
    const refused = responses.filter((r) => r.status === 409);
    const operation = await finishedOperation(defined(accepted[0], 'accepted[0]').body.operationId);

    // Assess
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const r of refused) {
      expect(r.body.error.details).toEqual([
        {
          field: 'nodegroup',
          reason: `operation ${defined(accepted[0], 'accepted[0]').body.operationId} is changing it`,
        },
      ]);
    }
    expect(operation.status).toBe('Succeeded');
    const winner = defined(accepted[0], 'accepted[0]').body.to.desiredSize;
    expect(await emulatorNodegroup(ng)).toMatchObject({ status: 'ACTIVE', desiredSize: winner });
    const view = (await api(runtime, 'GET', path(ng))).body;
    expect(view.recentOperations).toHaveLength(1);
    expect(view.desiredSize).toBe(winner);
  });

  it('a second change after the first completes is accepted (the lock is released)', async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2 });
    const first = await api(runtime, 'POST', path(ng, '/scale'), { desiredSize: 4 });
    await finishedOperation(first.body.operationId);
    // The lock goes right after the end is recorded.
    await eventually('the lock to be released', async () =>
      (await api(runtime, 'GET', path(ng))).body.activeOperationId === undefined ? true : undefined,
    );

    // Act
    const second = await api(runtime, 'POST', path(ng, '/scale'), { desiredSize: 1 });
    const operation = await finishedOperation(second.body.operationId);

    // Assess
    expect(second.status).toBe(202);
    expect(operation.status).toBe('Succeeded');
    // A scale-in reports the pods that were on the removed Nodes (whatever the scheduler put there).
    expect(operation.scale.podsRescheduled).toEqual(expect.any(Number));
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 1 });
  });

  it("publishes the operation's transitions on the bus (source eksflow): Started, then Succeeded with from → to", async () => {
    // Prepare: a rule on our events → a queue
    const sqs = new SQSClient(awsClientConfig());
    const bus = new EventBridgeClient(awsClientConfig());
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('scale-events') }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const rule = uniqueName('eksflow-operations');
    await bus.send(
      new PutRuleCommand({
        Name: rule,
        EventPattern: JSON.stringify({ source: ['eksflow'], 'detail-type': [{ prefix: 'Operation ' }] }),
      }),
    );
    await bus.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }] }));
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2 });

    // Act
    const accepted = await api(runtime, 'POST', path(ng, '/scale'), { desiredSize: 3 });
    await finishedOperation(accepted.body.operationId);
    const received: { 'detail-type': string; detail: Record<string, any> }[] = [];
    await eventually('Operation Succeeded', async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      received.push(...(out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}')));
      return received.some((e) => e['detail-type'] === 'Operation Succeeded') ? true : undefined;
    });

    // Assess
    const ours = received.filter((e) => e.detail.operationId === accepted.body.operationId);
    expect(ours.map((e) => e['detail-type'])).toEqual(['Operation Started', 'Operation Succeeded']);
    expect(ours[1]?.detail).toMatchObject({ nodegroup: ng.name, from: { desiredSize: 2 }, to: { desiredSize: 3 } });
  });

  it('the restricted identity may not scale (403 naming action and cluster), and nothing changes', async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2 });
    const executionsBefore = runtime.engine.list().length;

    // Act
    const scale = await apiAs(SANDBOX_RESTRICTED.principalArn, runtime, 'POST', path(ng, '/scale'), { desiredSize: 5 });

    // Assess
    expect(scale.status).toBe(403);
    expect(scale.body.error.message).toContain('scale on sandbox');
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 2 });
    expect(runtime.engine.list().length).toBe(executionsBefore);
  });
});
