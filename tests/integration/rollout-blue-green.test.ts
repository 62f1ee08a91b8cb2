import {
  blueGreenRequest,
  createAlarm,
  createApp,
  deployment,
  setAlarm,
  waitForRollout,
} from '../helpers/rollout-fixtures';
import { api, eventually, kube, startTestRuntime, type TestRuntime } from '../helpers/stack';
import { advance, testClock } from '../helpers/test-clock';

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

    // Act: promote, on a held clock: the switch and the scale-down are stamped by it, and only an advance moves it
    const clock = testClock();
    clock.hold();
    try {
      const promote = await api(runtime, 'POST', `/rollouts/${body.id}/promote`);
      const switched = await waitForRollout(runtime, body.id, (r) => r.phase === 'Switched');

      // Assess: the switch is immediate; blue still up during the delay, which the run waits out on the clock
      expect(promote.status).toBe(200);
      expect(await selectorOf(app.namespace, 'web')).toEqual({ app: 'web', version: switched.revision });
      const switchedAt = Date.parse(switched.history.find((h: any) => h.type === 'Switched').at);
      await eventually('the run waiting out the scale-down delay', async () =>
        runtime.engine.list().some((e) => e.name.startsWith(body.id) && e.statesEntered.at(-1) === 'WaitForNextPass')
          ? true
          : undefined,
      );
      expect(clock.nextWake()?.getTime()).toBe(switchedAt + 3000);
      expect((await deployment(app.namespace, 'web'))?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');

      // Act: the delay passes on the clock
      await advance(clock, 3);
      const finalizing = await waitForRollout(runtime, body.id, (r) => r.phase !== 'Switched');

      // Assess: blue's scale-down began exactly when the delay ended on the clock
      const scaledDownAt = Date.parse(finalizing.history.find((h: any) => h.type === 'Promoting').at);
      expect(scaledDownAt - switchedAt).toBe(3000);
    } finally {
      // The new version's pods are polled for on the clock: it follows real time again.
      clock.resume();
    }

    const done = await waitForRollout(runtime, body.id, (r) => r.status === 'Promoted', 60000);
    const web = await deployment(app.namespace, 'web');
    expect(web?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.28');
    expect(web?.spec?.template.metadata?.labels?.version).toBe(done.revision);
    expect(await selectorOf(app.namespace, 'web')).toEqual({ app: 'web', version: done.revision });
    await eventually('green removed', async () =>
      (await deployment(app.namespace, 'web-green')) === undefined ? true : undefined,
    );
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
