import {
  canaryRequest,
  createAlarm,
  createApp,
  deployment,
  replicaSplit,
  setAlarm,
  startPausedCanary,
  waitForRollout,
} from '../helpers/rollout-fixtures';
import { api, eventually, startTestRuntime, type TestRuntime } from '../helpers/stack';

describe('rollout safety: alarms, deadlines, missing data, duplicates, crashes', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.close());

  /** A canary of `steps` on a new 2-replica app, guarded by an alarm that has no data yet. */
  async function startOnMissingData(steps: Parameters<typeof canaryRequest>[1], noData: string) {
    const app = await createApp({ replicas: 2 });
    const alarm = await createAlarm('INSUFFICIENT_DATA');
    const { body } = await api(
      runtime,
      'POST',
      '/rollouts',
      canaryRequest(app, steps, { analysis: { alarms: [alarm], noData } }),
    );
    return { alarm, body };
  }

  // How fast is measured by `npm run bench` (alarm → stable latency), not asserted here: the machine is shared.
  it('an alarm going to ALARM during a pause restores stable and removes the canary, driven by the alarm event', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });
    const alarm = await createAlarm('OK');
    const body = await startPausedCanary(runtime, app, undefined, { analysis: { alarms: [alarm] } });
    expect(await replicaSplit(app)).toEqual({ stable: 2, canary: 2 });

    // Act
    await setAlarm(alarm, 'ALARM');
    await eventually(
      'stable restored',
      async () => {
        const split = await replicaSplit(app);
        return split.stable === 4 && split.canary === 0 ? split : undefined;
      },
      10000,
      20,
    );

    // Assess: the abort came from the alarm handler, not from a workflow pass (the run had ended at the pause);
    // the handler's new run (2) finished the restore
    const aborted = await waitForRollout(runtime, body.id, (r) => r.status === 'Aborted', 5000);
    expect(aborted.abort.alarm).toBe(alarm);
    expect(aborted.history.filter((h: any) => h.type === 'Aborting')).toEqual([expect.objectContaining({ alarm })]);
    expect(aborted.history.filter((h: any) => h.type === 'Aborted')).toEqual([expect.objectContaining({ alarm })]);
    const runs = runtime.engine.list().filter((e) => e.name.startsWith(body.id));
    await Promise.all(runs.map((e) => runtime.engine.waitFor(e.executionId)));
    expect(runs.map((e) => [e.name, e.statesEntered.at(-1)])).toEqual([
      [`${body.id}-1`, 'Done'],
      [`${body.id}-2`, 'Done'],
    ]);
    // And the Deployment is free for the next rollout.
    const next = await api(runtime, 'POST', '/rollouts', canaryRequest(app));
    expect(next.status).toBe(202);
    await api(runtime, 'POST', `/rollouts/${next.body.id}/abort`);
  });

  it('the same alarm event delivered twice aborts once', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const alarm = await createAlarm('OK');
    const body = await startPausedCanary(runtime, app, undefined, { analysis: { alarms: [alarm] } });
    const event = {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName: alarm, state: { value: 'ALARM', reason: 'duplicate test' }, previousState: { value: 'OK' } },
    };

    // Act: the alarm really is in ALARM (an event for a state the alarm is not in does nothing), and its
    // event arrives three times: once from the bridge, twice more by hand, two of them at once
    await setAlarm(alarm, 'ALARM');
    const [first, second] = await Promise.all([
      api(runtime, 'POST', '/_local/events', event),
      api(runtime, 'POST', '/_local/events', event),
    ]);

    // Assess
    expect(first.body.matched).toEqual(['alarmStateChange']);
    expect([first.status, second.status]).toEqual([200, 200]);
    const r = await waitForRollout(runtime, body.id, (x) => x.status === 'Aborted');
    expect(r.history.filter((h: any) => h.type === 'Aborting')).toHaveLength(1);
    expect(r.history.filter((h: any) => h.type === 'Aborted')).toHaveLength(1);
  });

  it('aborts at the progress deadline when the new pods never become Ready (unready image)', async () => {
    // Prepare
    const app = await createApp({ replicas: 3 });

    // Act
    const { body } = await api(
      runtime,
      'POST',
      '/rollouts',
      canaryRequest(app, undefined, { image: 'nginx:unready', progressDeadlineSeconds: 10 }),
    );
    const aborted = await waitForRollout(runtime, body.id, (r) => r.status !== 'Progressing', 40000);

    // Assess
    expect(aborted.status).toBe('Aborted');
    expect(aborted.abort.reason).toMatch(/ProgressDeadlineExceeded/);
    expect(await replicaSplit(app)).toEqual({ stable: 3, canary: 0 });
    expect((await deployment(app.namespace, 'web'))?.status?.readyReplicas).toBe(3);
  }, 60000);

  it('noData "pause" waits on INSUFFICIENT_DATA and goes on when the alarm reports OK', async () => {
    // Prepare
    const { alarm, body } = await startOnMissingData([{ setWeight: 50 }, { setWeight: 100 }], 'pause');

    // Act + Assess: paused for missing data after the first step
    const paused = await waitForRollout(runtime, body.id, (r) => r.status === 'Paused');
    expect(paused.pause.reason).toBe('NoData');
    expect(paused.currentStepIndex).toBe(0);
    await setAlarm(alarm, 'OK');
    const done = await waitForRollout(runtime, body.id, (r) => r.status === 'Promoted', 40000);
    expect(done.history.map((h: any) => h.type)).toEqual(expect.arrayContaining(['Paused', 'Resumed', 'Promoted']));
  }, 60000);

  it.each([
    ['fail', 'Aborted'],
    ['pass', 'Promoted'],
  ])(
    'noData "%s" on INSUFFICIENT_DATA ends %s',
    async (noData, status) => {
      const { body } = await startOnMissingData([{ setWeight: 50 }], noData);
      const r = await waitForRollout(runtime, body.id, (x) => x.status === 'Aborted' || x.status === 'Promoted', 40000);
      expect(r.status).toBe(status);
    },
    60000,
  );

  it('a reconcile pass re-run after a simulated crash repeats no effect', async () => {
    // Prepare: a rollout at its indefinite pause
    const app = await createApp({ replicas: 2 });
    const { body } = await api(runtime, 'POST', '/rollouts', canaryRequest(app));
    const paused = await waitForRollout(runtime, body.id, (r) => r.status === 'Paused');

    // Act: the task is delivered again (as after a Lambda crash and retry), twice
    const input = { rolloutId: body.id, run: 1 };
    const a = await runtime.invoke('rolloutReconcile', input);
    const b = await runtime.invoke('rolloutReconcile', input);

    // Assess
    expect(a).toMatchObject({ done: true, waitSeconds: 0, status: 'Paused' });
    expect(b).toEqual(a);
    const after = await waitForRollout(runtime, body.id, () => true);
    expect(after.history).toEqual(paused.history);
    expect(await replicaSplit(app)).toEqual({ stable: 1, canary: 1 });
  });
});
