import {
  blueGreenRequest,
  createAlarm,
  createApp,
  deployment,
  setAlarm,
  waitForRollout,
} from '../helpers/rollout-fixtures';
import { api, eventually, kube, startTestRuntime, type TestRuntime } from '../helpers/stack';

const selectorOf = async (namespace: string, name: string) =>
  (await kube().core.readNamespacedService({ namespace, name })).spec?.selector;

describe('blue-green rollout', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.close());

  it('previews green, switches the active Service on promote, and scales blue down after the delay', async () => {
    // Prepare
    const app = await createApp({ replicas: 3, previewService: true });

    // Act: start, wait for green Ready on the preview Service
    const { body } = await api(
      runtime,
      'POST',
      '/rollouts',
      blueGreenRequest(app, { previewService: 'web-preview', scaleDownDelaySeconds: 3 }),
    );
    const awaiting = await waitForRollout(runtime, body.id, (r) => r.status === 'Paused');

    // Assess: green beside blue, preview selects green, active pinned to blue's ReplicaSet (green's pods have app=web too)
    expect(awaiting.pause.reason).toBe('AwaitingPromotion');
    expect((await deployment(app.namespace, 'web-green'))?.status?.readyReplicas).toBe(3);
    expect(await selectorOf(app.namespace, 'web-preview')).toEqual({ app: 'web', version: awaiting.revision });
    const active = await selectorOf(app.namespace, 'web');
    expect(Object.keys(active ?? {}).sort()).toEqual(['app', 'pod-template-hash']);

    // Act: promote
    const promote = await api(runtime, 'POST', `/rollouts/${body.id}/promote`);
    const switched = await waitForRollout(runtime, body.id, (r) => r.phase === 'Switched' || r.status === 'Promoted');

    // Assess: the switch is immediate; blue still up during the delay
    expect(promote.status).toBe(200);
    expect(await selectorOf(app.namespace, 'web')).toEqual({ app: 'web', version: switched.revision });

    const done = await waitForRollout(runtime, body.id, (r) => r.status === 'Promoted', 60000);
    const web = await deployment(app.namespace, 'web');
    expect(web?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.28');
    expect(web?.spec?.template.metadata?.labels?.version).toBe(done.revision);
    expect(await selectorOf(app.namespace, 'web')).toEqual({ app: 'web', version: done.revision });
    await eventually('green removed', async () =>
      (await deployment(app.namespace, 'web-green')) === undefined ? true : undefined,
    );
    const switchedAt = Date.parse(done.history.find((h: any) => h.type === 'Switched').at);
    const scaledDownAt = Date.parse(done.history.find((h: any) => h.type === 'Promoting').at);
    expect(scaledDownAt - switchedAt).toBeGreaterThanOrEqual(3000);
  }, 90000);

  it('an alarm within the scale-down delay switches the active Service straight back to blue', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const alarm = await createAlarm('OK');
    const { body } = await api(
      runtime,
      'POST',
      '/rollouts',
      blueGreenRequest(app, { autoPromotionSeconds: 0, scaleDownDelaySeconds: 600, analysis: { alarms: [alarm] } }),
    );
    const switched = await waitForRollout(runtime, body.id, (r) => r.phase === 'Switched');
    expect(await selectorOf(app.namespace, 'web')).toEqual({ app: 'web', version: switched.revision });

    // Act
    await setAlarm(alarm, 'ALARM');
    const aborted = await waitForRollout(runtime, body.id, (r) => r.status === 'Aborted', 10000);

    // Assess
    expect(await selectorOf(app.namespace, 'web')).toEqual({ app: 'web' });
    expect(aborted.abort.alarm).toBe(alarm);
    expect((await deployment(app.namespace, 'web'))?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');
    await eventually('green removed', async () =>
      (await deployment(app.namespace, 'web-green')) === undefined ? true : undefined,
    );
  }, 60000);
});
