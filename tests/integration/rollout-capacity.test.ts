// Issue 7 item 3 on the real stack, with pods that take a second to become Ready: Ready pods are sampled
// while an abort or a promotion runs, and no sample may fall below N − maxUnavailable.
import { sampleCapacity } from '../helpers/capacity';
import { canaryRequest, createApp, deployment, waitForRollout } from '../helpers/rollout-fixtures';
import { api, startTestRuntime, type TestRuntime } from '../helpers/stack';

const N = 4;
/** Kubernetes' default rollingUpdate.maxUnavailable of 25 %, rounded down, for N = 4. */
const MAX_UNAVAILABLE = 1;
const SAMPLE_EVERY_MS = 50;

describe('capacity while a rollout moves (slow pods)', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.close());

  it('aborting a canary at 100 % keeps Ready pods at N: stable comes back before canary pods go', async () => {
    // Prepare: all traffic on the canary, stable at 0 pods
    const app = await createApp({ replicas: N, readyAfterSeconds: 1 });
    const { body } = await api(runtime, 'POST', '/rollouts', canaryRequest(app, [{ setWeight: 100 }, { pause: {} }]));
    await waitForRollout(runtime, body.id, (r) => r.status === 'Paused', 40000);
    expect((await deployment(app.namespace, 'web'))?.spec?.replicas).toBe(0);

    // Act
    const sampler = sampleCapacity(app.namespace, ['web', 'web-canary'], SAMPLE_EVERY_MS);
    await api(runtime, 'POST', `/rollouts/${body.id}/abort`);
    const aborted = await waitForRollout(runtime, body.id, (r) => r.status === 'Aborted', 40000);
    const report = await sampler.stop();

    // Assess
    expect(aborted.status).toBe('Aborted');
    expect(report.samples.length).toBeGreaterThan(5);
    expect(report.min).toBeGreaterThanOrEqual(N - MAX_UNAVAILABLE);
    expect((await deployment(app.namespace, 'web'))?.status?.readyReplicas).toBe(N);
    expect(await deployment(app.namespace, 'web-canary')).toBeUndefined();
  }, 90000);

  it('promotion keeps Ready pods at N − maxUnavailable while the Deployment rolls to the new version', async () => {
    // Prepare
    const app = await createApp({ replicas: N, readyAfterSeconds: 1 });
    const { body } = await api(runtime, 'POST', '/rollouts', canaryRequest(app));
    await waitForRollout(runtime, body.id, (r) => r.status === 'Paused', 40000);

    // Act
    const sampler = sampleCapacity(app.namespace, ['web', 'web-canary'], SAMPLE_EVERY_MS);
    await api(runtime, 'POST', `/rollouts/${body.id}/promote`);
    await waitForRollout(runtime, body.id, (r) => r.status === 'Promoted', 60000);
    const report = await sampler.stop();

    // Assess
    expect(report.min).toBeGreaterThanOrEqual(N - MAX_UNAVAILABLE);
    expect((await deployment(app.namespace, 'web'))?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.28');
  }, 90000);

  it('aborting blue-green after the switch goes back to a Ready blue before green goes', async () => {
    // Prepare: switched to green, blue kept for the scale-down delay
    const app = await createApp({ replicas: N, readyAfterSeconds: 1, previewService: true });
    const { body } = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: 'web',
      image: 'nginx:1.28',
      blueGreen: {
        activeService: 'web',
        previewService: 'web-preview',
        autoPromotionSeconds: 0,
        scaleDownDelaySeconds: 600,
      },
    });
    await waitForRollout(runtime, body.id, (r) => r.phase === 'Switched', 40000);

    // Act
    const sampler = sampleCapacity(app.namespace, ['web', 'web-green'], SAMPLE_EVERY_MS);
    await api(runtime, 'POST', `/rollouts/${body.id}/abort`);
    await waitForRollout(runtime, body.id, (r) => r.status === 'Aborted', 40000);
    const report = await sampler.stop();

    // Assess
    expect(report.min).toBeGreaterThanOrEqual(N);
    expect(await deployment(app.namespace, 'web-green')).toBeUndefined();
  }, 90000);
});
