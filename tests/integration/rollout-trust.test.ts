// Regression tests on the real stack for issue 7: each one failed on the main branch before the fix.

import { defined } from '../helpers/defined';
import { deploymentManifest } from '../helpers/manifests';
import {
  canaryRequest,
  createAlarm,
  createApp,
  deployment,
  setAlarm,
  startPausedCanary,
  waitForRollout,
} from '../helpers/rollout-fixtures';
import { api, eventually, kube, startTestRuntime, type TestRuntime } from '../helpers/stack';

const imageOf = async (namespace: string, name: string) =>
  defined(
    (await deployment(namespace, name))?.spec?.template.spec?.containers[0],
    '(await deployment(namespace, name))?.spec?.template.spec?...',
  ).image;

/** A canary of nginx:1.28 at 50 %, waiting at an open pause before going to 100 %. */
const OPEN_PAUSE_THEN_FULL = [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }];

describe('rollouts people can trust with production', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.close());

  it('an aborted rollout’s outdated run never rolls back the next release (item 1)', async () => {
    // Prepare: rollout A waits in a timed pause, guarded by an alarm. A witness on another app enters the same
    // pause after A did: the witness moving past it shows that A's timer has passed as well (the engine's Wait
    // states run in real time, so no test clock can move them).
    const timedPause = [{ setWeight: 50 }, { pause: { duration: '4s' } }];
    const [app, witnessApp] = await Promise.all([createApp({ replicas: 2 }), createApp({ replicas: 1 })]);
    const alarm = await createAlarm('OK');
    const a = await api(
      runtime,
      'POST',
      '/rollouts',
      canaryRequest(app, timedPause, { image: 'nginx:2.0', analysis: { alarms: [alarm] } }),
    );
    await waitForRollout(runtime, a.body.id, (r) => r.status === 'Paused');
    const witness = await api(
      runtime,
      'POST',
      '/rollouts',
      canaryRequest(witnessApp, timedPause, { image: 'nginx:2.0' }),
    );

    // Act: A is aborted by its alarm; B on the same Deployment is promoted before A's timer fires
    await setAlarm(alarm, 'ALARM');
    await waitForRollout(runtime, a.body.id, (r) => r.status === 'Aborted');
    const b = await api(runtime, 'POST', '/rollouts', canaryRequest(app, [{ setWeight: 100 }], { image: 'nginx:3.0' }));
    expect(b.status).toBe(202);
    await waitForRollout(runtime, b.body.id, (r) => r.status === 'Promoted');
    const runOfA = runtime.engine.get(`rollout:${a.body.id}-1`);
    await runtime.engine.waitFor(`rollout:${a.body.id}-1`);
    // Past A's timer, had its run been left running: the witness's pause began after A's and has ended.
    await waitForRollout(runtime, witness.body.id, (r) => r.status === 'Promoted');

    // Assess: A's first run was stopped by the abort, and the Deployment stays on B's release
    expect(runOfA?.status).toMatch(/ABORTED|SUCCEEDED/);
    expect(await imageOf(app.namespace, 'web')).toBe('nginx:3.0');
    expect((await waitForRollout(runtime, b.body.id, () => true)).status).toBe('Promoted');
    expect(await deployment(app.namespace, 'web-canary')).toBeUndefined();
  }, 60000);

  it('blue-green with a `kubectl expose` selector sends no production traffic to green before promotion (item 2)', async () => {
    // Prepare: Service web selects only app=web, like `kubectl expose deployment web`
    const app = await createApp({ replicas: 2, previewService: true });

    // Act
    const { body } = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: 'web',
      image: 'nginx:1.28',
      blueGreen: { activeService: 'web', previewService: 'web-preview' },
    });
    const awaiting = await waitForRollout(runtime, body.id, (r) => r.status === 'Paused');

    // Assess: green is Ready, and every pod the active Service selects is blue's
    expect(awaiting.pause.reason).toBe('AwaitingPromotion');
    const active = defined(
      defined(
        (await kube().core.readNamespacedService({ namespace: app.namespace, name: 'web' })).spec,
        '(await kube().core.readNamespacedService({ namespace: app...',
      ).selector,
      '(await kube().core.readNamespacedService({ namespace: app...',
    );
    const labelSelector = Object.entries(active)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const selected = await kube().core.listNamespacedPod({ namespace: app.namespace, labelSelector });
    const images = selected.items.map((p) => defined(p.spec?.containers[0], 'p.spec?.containers[0]').image);
    expect(images).toEqual(['nginx:1.27', 'nginx:1.27']);
    expect((await deployment(app.namespace, 'web-green'))?.status?.readyReplicas).toBe(2);

    // And an abort puts the user's selector back as it was
    await api(runtime, 'POST', `/rollouts/${body.id}/abort`);
    await waitForRollout(runtime, body.id, (r) => r.status === 'Aborted');
    const restored = (await kube().core.readNamespacedService({ namespace: app.namespace, name: 'web' })).spec
      ?.selector;
    expect(restored).toEqual({ app: 'web' });
    expect(await deployment(app.namespace, 'web-green')).toBeUndefined();
  }, 60000);

  it('a team’s own web-canary is refused at start with a 409 naming it, and never touched (item 6)', async () => {
    // Prepare
    const app = await createApp({ replicas: 1 });
    await kube().apps.createNamespacedDeployment({
      namespace: app.namespace,
      body: deploymentManifest({
        name: 'web-canary',
        app: 'their-canary',
        replicas: 1,
        container: { name: 'c', image: 'theirs:1' },
      }),
    });

    // Act
    const response = await api(runtime, 'POST', '/rollouts', canaryRequest(app, [{ setWeight: 50 }]));

    // Assess
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain('web-canary');
    expect(await imageOf(app.namespace, 'web-canary')).toBe('theirs:1');
    expect(await imageOf(app.namespace, 'web')).toBe('nginx:1.27');
  });

  it('a hotfix to the Deployment mid-rollout pauses the rollout and is never overwritten, not even by abort (item 10)', async () => {
    // Prepare: a canary at its open pause
    const app = await createApp({ replicas: 2 });
    const body = await startPausedCanary(runtime, app, OPEN_PAUSE_THEN_FULL);

    // Act: someone ships a hotfix straight to the Deployment, then the rollout is promoted
    await kube().apps.patchNamespacedDeployment({
      namespace: app.namespace,
      name: 'web',
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.27-hotfix' }],
    });
    await api(runtime, 'POST', `/rollouts/${body.id}/promote`);
    const paused = await waitForRollout(runtime, body.id, (r) => r.pause?.reason === 'ExternalChange');

    // Assess: paused, hotfix in place; a second promote is refused; abort keeps the hotfix
    expect(paused.status).toBe('Paused');
    expect(await imageOf(app.namespace, 'web')).toBe('nginx:1.27-hotfix');
    expect((await api(runtime, 'POST', `/rollouts/${body.id}/promote`)).status).toBe(409);
    await api(runtime, 'POST', `/rollouts/${body.id}/abort`);
    await waitForRollout(runtime, body.id, (r) => r.status === 'Aborted');
    expect(await imageOf(app.namespace, 'web')).toBe('nginx:1.27-hotfix');
    expect((await deployment(app.namespace, 'web'))?.spec?.replicas).toBe(2);
    expect(await deployment(app.namespace, 'web-canary')).toBeUndefined();
  }, 60000);

  it('an HPA-style scale of the Deployment mid-rollout is followed, not undone (item 10)', async () => {
    // Prepare: a canary at 50 % of 4 (2 stable + 2 canary), waiting at an open pause
    const app = await createApp({ replicas: 4 });
    const body = await startPausedCanary(runtime, app, OPEN_PAUSE_THEN_FULL);

    // Act: scaled to 6 by someone else (an HPA writes spec.replicas the same way), then promoted
    await kube().apps.patchNamespacedDeployment({
      namespace: app.namespace,
      name: 'web',
      body: [{ op: 'replace', path: '/spec/replicas', value: 6 }],
    });
    await api(runtime, 'POST', `/rollouts/${body.id}/promote`);
    const done = await waitForRollout(runtime, body.id, (r) => r.status === 'Promoted', 40000);

    // Assess: the release ends on 6 replicas, and the history says why
    expect(done.history.filter((h: any) => h.type === 'Rescaled')).toHaveLength(1);
    const web = await deployment(app.namespace, 'web');
    expect(web?.spec?.replicas).toBe(6);
    expect(web?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.28');
    await eventually('canary removed', async () =>
      (await deployment(app.namespace, 'web-canary')) ? undefined : true,
    );
  }, 60000);
});
