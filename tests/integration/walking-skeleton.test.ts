import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { deleteClustersMade, operationDone, PROVISION_STEPS, track } from '../helpers/cluster-fixtures';
import { kubeOf } from '../helpers/clusters';
import { api, awsClientConfig, eventually, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

/** HTTP in → workflow → EKS (emulator) → Kubernetes (real API server) → operation status out. */
describe('walking skeleton: POST /clusters end to end', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => {
    // Each cluster has its own control plane in the sandbox: stop them when done.
    await deleteClustersMade();
    await runtime?.close();
  }, 60000);

  it('provisions a cluster on the emulator and its baseline namespaces on the API server', async () => {
    // Prepare
    const name = track(uniqueName('skeleton'));
    const teamNamespace = uniqueName('team');

    // Act
    const accepted = await api(runtime, 'POST', '/clusters', { name, namespaces: [teamNamespace] });
    const operation = await operationDone(runtime, accepted.body.operationId);

    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.body.cluster).toEqual({ name, status: 'CREATING' });
    expect(operation.status).toBe('Succeeded');
    expect(operation.steps.map((s: { name: string }) => s.name)).toEqual(PROVISION_STEPS);
    const cluster = await new EKSClient(awsClientConfig()).send(new DescribeClusterCommand({ name }));
    expect(cluster.cluster?.status).toBe('ACTIVE');
    expect(cluster.cluster?.tags?.['eksflow:operation']).toBe(accepted.body.operationId);
    // On the new cluster's own API server, found the AWS way.
    const { core } = await kubeOf(name);
    const ns = await core.readNamespace({ name: teamNamespace });
    expect(ns.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('eksflow');
    await expect(core.readNamespace({ name: 'eksflow-system' })).resolves.toBeDefined();
    // The last task records Succeeded, then the run itself ends: wait for the run, do not race it.
    const execution = await eventually('the provisioning run to end', async () => {
      const run = runtime.engine.get(`provision-cluster:${accepted.body.operationId}`);
      return run?.status === 'RUNNING' ? undefined : run;
    });
    expect(execution?.status).toBe('SUCCEEDED');
  });

  it('answers a repeated identical POST with 200 "nothing to change", starting nothing', async () => {
    // Prepare
    const name = track(uniqueName('taken'));
    const first = await api(runtime, 'POST', '/clusters', { name });
    expect((await operationDone(runtime, first.body.operationId)).status).toBe('Succeeded');
    const executionsBefore = runtime.engine.list().length;

    // Act
    const second = await api(runtime, 'POST', '/clusters', { name });

    // Assess
    expect(second.status).toBe(200);
    expect(second.body.changed).toBe(false);
    expect(second.body.plan.every((i: { action: string }) => i.action === 'unchanged')).toBe(true);
    expect(runtime.engine.list().length).toBe(executionsBefore);
  });

  it.each([
    ['not JSON', '{"name": ', 'body'],
    ['wrong type', { name: 42 }, 'name'],
    ['missing name', { namespaces: [] }, 'name'],
    ['invalid EKS name', { name: '-starts-with-dash' }, 'name'],
    ['unknown field', { name: 'ok-name', colour: 'blue' }, 'colour'],
  ])('answers bad input (%s) with 400 naming the field, and starts nothing', async (_case, body, field) => {
    // Prepare
    const executionsBefore = runtime.engine.list().length;
    // Act
    const response = await api(runtime, 'POST', '/clusters', body);
    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ValidationError');
    expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(runtime.engine.list().length).toBe(executionsBefore);
  });

  it('reports every dependency in the signed GET /health/deep', async () => {
    const { status, body } = await api(runtime, 'GET', '/health/deep');
    expect(status).toBe(200);
    expect(Object.keys(body.components)).toEqual(expect.arrayContaining(['workflow-engine', 'dynamodb', 'eks']));
  });
});
