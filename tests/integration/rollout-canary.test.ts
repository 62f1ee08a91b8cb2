import { createAlarm, createApp, deployment, replicaSplit, waitForRollout } from '../helpers/rollout-fixtures';
import { api, eventually, startTestRuntime, type TestRuntime } from '../helpers/stack';
import { advance, testClock } from '../helpers/test-clock';

/** The acceptance scenario, through the HTTP API only: 10 → pause 30s → 50 → pause → promote. */
describe('canary rollout (replica ratio)', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.close());

  it('moves 9/1 then 5/5, waits for promote, and ends Promoted with the new image on the stable Deployment', async () => {
    // Prepare
    const app = await createApp({ replicas: 10 });
    const alarm = await createAlarm('OK');

    // Act: start
    const started = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: app.name,
      image: 'nginx:1.28',
      canary: {
        steps: [{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { pause: {} }],
        analysis: { alarms: [alarm] },
      },
    });

    // Assess: 9/1 during the timed pause
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('Progressing');
    const id = started.body.id;
    const paused = await waitForRollout(runtime, id, (r) => r.status === 'Paused' && r.currentStepIndex === 1);
    expect(await replicaSplit(app)).toEqual({ stable: 9, canary: 1 });
    expect(paused.weights).toEqual({ canary: 10, stable: 90 });
    expect(paused.pause.until).toBeDefined();

    // Act: once the run sleeps in its Wait, the 30 s pass on the clock, not in real time
    await eventually('the run waiting out the pause', async () =>
      runtime.engine.list().some((e) => e.name.startsWith(id) && e.statesEntered.at(-1) === 'WaitForNextPass')
        ? true
        : undefined,
    );
    await advance(testClock(), 30);

    // Assess: 5/5 at the indefinite pause, not before the pause's end on the clock
    const waiting = await waitForRollout(runtime, id, (r) => r.status === 'Paused' && r.currentStepIndex === 3);
    expect(await replicaSplit(app)).toEqual({ stable: 5, canary: 5 });
    expect(waiting.weights).toEqual({ canary: 50, stable: 50 });
    const pauseEnded = waiting.history.find((h: any) => h.type === 'StepCompleted' && h.stepIndex === 1).at;
    expect(Date.parse(pauseEnded)).toBeGreaterThanOrEqual(Date.parse(paused.pause.until));

    // Act: promote
    const promote = await api(runtime, 'POST', `/rollouts/${id}/promote`, {});
    const done = await waitForRollout(runtime, id, (r) => r.status === 'Promoted', 60000);

    // Assess
    expect(promote.status).toBe(200);
    expect(done.phase).toBe('Done');
    const stable = await deployment(app.namespace, app.name);
    expect(stable?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.28');
    expect(stable?.spec?.replicas).toBe(10);
    expect(stable?.status?.readyReplicas).toBe(10);
    await eventually('canary removed', async () =>
      (await deployment(app.namespace, `${app.name}-canary`)) === undefined ? true : undefined,
    );
    expect(done.history.map((h: any) => h.type)).toEqual(
      expect.arrayContaining(['Started', 'Paused', 'StepCompleted', 'Resumed', 'Promoting', 'Promoted']),
    );
    // The workflow never polled during the indefinite pause: the run ended and promote started the next (which
    // may still be on its way to its end state when the record says Promoted).
    const runs = await eventually('the rollout runs to end', async () => {
      const all = runtime.engine.list().filter((e) => e.workflow === 'rollout' && e.name.startsWith(id));
      return all.every((e) => e.status !== 'RUNNING') ? all : undefined;
    });
    expect(runs.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);

    // Promoting a finished rollout is a 409 with the reason
    const again = await api(runtime, 'POST', `/rollouts/${id}/promote`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/Promoted/);
  }, 120000);

  it('promote {full: true} skips every remaining step', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });
    const { body } = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: app.name,
      image: 'nginx:1.29',
      canary: {
        steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }, { setWeight: 75 }, { pause: {} }],
      },
    });
    await waitForRollout(runtime, body.id, (r) => r.status === 'Paused');

    // Act
    const promote = await api(runtime, 'POST', `/rollouts/${body.id}/promote`, { full: true });
    const done = await waitForRollout(runtime, body.id, (r) => r.status === 'Promoted', 60000);

    // Assess
    expect(promote.status).toBe(200);
    expect(done.history.filter((h: any) => h.type === 'Paused')).toHaveLength(1);
    expect((await deployment(app.namespace, app.name))?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.29');
  }, 90000);
});
