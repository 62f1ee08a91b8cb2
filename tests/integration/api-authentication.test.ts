import { SANDBOX_ADMIN } from '../../local/sandbox/identities';
import { MAX_SIGNATURE_AGE_MS } from '../../local/sigv4-verifier';
import { type App, createApp, deployment, stackWithApp } from '../helpers/rollout-fixtures';
import { api, startTestRuntime, type TestRuntime } from '../helpers/stack';

/** Issue 8 item 1 on the real stack: the sandbox checks SigV4 as API Gateway's IAM authorization does. */
describe('API authentication (SigV4, execute-api)', () => {
  const stack = stackWithApp({ replicas: 2 });

  const request = () => ({
    cluster: 'sandbox',
    namespace: stack.app.namespace,
    deployment: 'web',
    image: 'nginx:1.28',
    canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
  });
  const rolloutRuns = () => stack.runtime.engine.list().filter((e) => e.workflow === 'rollout').length;

  it.each([
    ['unsigned', 'authorization', { as: 'unsigned' as const }],
    ['signed with a wrong secret', 'authorization', { as: { ...SANDBOX_ADMIN, secretAccessKey: 'not-the-secret' } }],
    ['signed 10 minutes ago', 'x-amz-date', { signingDate: new Date(Date.now() - 2 * MAX_SIGNATURE_AGE_MS) }],
  ])('refuses a rollout start %s with 401 naming %s, and starts nothing', async (_case, field, signing) => {
    // Prepare
    const runsBefore = rolloutRuns();

    // Act
    const response = await api(stack.runtime, 'POST', '/rollouts', request(), signing);

    // Assess
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ code: 'Unauthenticated', details: [{ field }] });
    expect(rolloutRuns()).toBe(runsBefore);
    expect((await deployment(stack.app.namespace, 'web'))?.spec?.template.spec?.containers[0]?.image).not.toBe(
      'nginx:1.28',
    );
  });

  it('refuses an unsigned read and an unsigned sandbox event with 401', async () => {
    // Act
    const read = await api(stack.runtime, 'GET', '/rollouts', undefined, { as: 'unsigned' });
    const event = await api(stack.runtime, 'POST', '/_local/events', { source: 'aws.cloudwatch' }, { as: 'unsigned' });

    // Assess
    expect([read.status, event.status]).toEqual([401, 401]);
  });

  it('answers GET /health unsigned with liveness only, and GET /health/deep only signed', async () => {
    // Act
    const health = await api(stack.runtime, 'GET', '/health', undefined, { as: 'unsigned' });
    const deep = await api(stack.runtime, 'GET', '/health/deep', undefined, { as: 'unsigned' });

    // Assess
    expect(health).toEqual({ status: 200, body: { status: 'ok' } });
    expect(deep.status).toBe(401);
  });

  it('starts a signed rollout and records who started it', async () => {
    // Act
    const started = await api(stack.runtime, 'POST', '/rollouts', request());
    const read = await api(stack.runtime, 'GET', `/rollouts/${started.body.id}`);
    await api(stack.runtime, 'POST', `/rollouts/${started.body.id}/abort`, {});

    // Assess
    expect(started.status).toBe(202);
    expect(read.status).toBe(200);
    expect(read.body.createdBy).toBe(SANDBOX_ADMIN.principalArn);
  });
});

describe('API authentication turned off in the sandbox (EKSFLOW_SANDBOX_AUTH=off)', () => {
  let runtime: TestRuntime;
  let app: App;
  beforeAll(async () => {
    process.env.EKSFLOW_SANDBOX_AUTH = 'off';
    try {
      runtime = await startTestRuntime();
    } finally {
      delete process.env.EKSFLOW_SANDBOX_AUTH;
    }
    app = await createApp({ replicas: 2 });
  });
  afterAll(async () => runtime?.close());

  it('takes an unsigned rollout start, as the sandbox admin', async () => {
    // Act
    const started = await api(
      runtime,
      'POST',
      '/rollouts',
      {
        cluster: 'sandbox',
        namespace: app.namespace,
        deployment: 'web',
        image: 'nginx:1.28',
        canary: { steps: [{ pause: {} }] },
      },
      { as: 'unsigned' },
    );
    const read = await api(runtime, 'GET', `/rollouts/${started.body.id}`, undefined, { as: 'unsigned' });
    await api(runtime, 'POST', `/rollouts/${started.body.id}/abort`, {});

    // Assess
    expect(started.status).toBe(202);
    expect(read.body.createdBy).toBe(SANDBOX_ADMIN.principalArn);
  });
});
