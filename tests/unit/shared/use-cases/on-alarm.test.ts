import type { AlarmStateChange } from '../../../../shared/validation/alarm-event';
import { onAlarmStateChange } from '../../../../shared/use-cases/on-alarm';
import { reconcileRollout } from '../../../../shared/use-cases/reconcile-rollout';
import { startRollout } from '../../../../shared/use-cases/start-rollout';
import { CLUSTER, canaryBody, NAMESPACE, rolloutWorld, T0 } from '../../../helpers/rollout-world';

const change = (alarmName: string, state: AlarmStateChange['state']): AlarmStateChange => ({
  alarmName,
  state,
  time: T0,
});

function world() {
  const w = rolloutWorld({ alarms: { 'web-5xx': 'OK', other: 'OK' } });
  w.workloads.addDeployment(CLUSTER, NAMESPACE, 'api', {
    replicas: 4,
    template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } },
    selector: { app: 'api' },
  });
  return w;
}

describe('onAlarmStateChange', () => {
  it('ALARM aborts every active rollout guarded by the alarm, and only those', async () => {
    // Prepare
    const w = world();
    const web = await startRollout(w.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), w.newId);
    const api = await startRollout(
      w.deps,
      canaryBody({ deployment: 'api', image: 'api:2' }, { analysis: { alarms: ['web-5xx', 'other'] } }),
      w.newId,
    );

    // Act
    const outcome = await onAlarmStateChange(w.deps, change('web-5xx', 'ALARM'));

    // Assess
    expect(outcome.aborted.sort()).toEqual([web.id, api.id].sort());
    expect(await w.rollouts.get(web.id)).toMatchObject({ status: 'Aborted', abort: { alarm: 'web-5xx' } });
    expect(await w.rollouts.get(api.id)).toMatchObject({ status: 'Aborted', abort: { alarm: 'web-5xx' } });
  });

  it('leaves rollouts guarded by other alarms alone', async () => {
    // Prepare
    const w = world();
    const web = await startRollout(w.deps, canaryBody({}, { analysis: { alarms: ['other'] } }), w.newId);

    // Act
    const outcome = await onAlarmStateChange(w.deps, change('web-5xx', 'ALARM'));

    // Assess
    expect(outcome.aborted).toEqual([]);
    expect(await w.rollouts.get(web.id)).toMatchObject({ status: 'Progressing' });
  });

  it('aborts once when the event is delivered twice (one after the other, or at once)', async () => {
    // Prepare
    const w = world();
    const web = await startRollout(w.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), w.newId);

    // Act
    await Promise.all([
      onAlarmStateChange(w.deps, change('web-5xx', 'ALARM')),
      onAlarmStateChange(w.deps, change('web-5xx', 'ALARM')),
    ]);
    const late = await onAlarmStateChange(w.deps, change('web-5xx', 'ALARM'));

    // Assess
    const r = await w.rollouts.get(web.id);
    expect(r?.history.filter((e) => e.type === 'Aborted')).toHaveLength(1);
    expect(w.events.types().filter((t) => t === 'Rollout Aborted')).toHaveLength(1);
    expect(late.aborted).toEqual([]);
  });

  it('OK resumes a rollout paused for no data with a new run', async () => {
    // Prepare
    const w = world();
    w.alarms.set('web-5xx', 'INSUFFICIENT_DATA');
    const web = await startRollout(
      w.deps,
      canaryBody({}, { analysis: { alarms: ['web-5xx'], noData: 'pause' } }),
      w.newId,
    );
    for (let i = 0; i < 5; i++) {
      const res = await reconcileRollout(w.deps, { rolloutId: web.id, run: 1 });
      if (res.done) break;
      w.workloads.settle();
    }
    expect(await w.rollouts.get(web.id)).toMatchObject({ status: 'Paused', pause: { reason: 'NoData' } });
    w.alarms.set('web-5xx', 'OK');

    // Act
    const outcome = await onAlarmStateChange(w.deps, change('web-5xx', 'OK'));

    // Assess
    expect(outcome.resumed).toEqual([web.id]);
    expect(await w.rollouts.get(web.id)).toMatchObject({ status: 'Progressing', run: 2 });
    expect(w.workflows.started.at(-1)).toEqual({
      workflow: 'rollout',
      executionName: `${web.id}-2`,
      input: { rolloutId: web.id, run: 2 },
    });
    // The new run carries on to the next step.
    const next = await reconcileRollout(w.deps, { rolloutId: web.id, run: 2 });
    expect(next.done).toBe(false);
    expect((await w.rollouts.get(web.id))?.currentStepIndex).toBe(1);
  });

  it('OK does not resume rollouts paused for another reason, nor Progressing ones', async () => {
    // Prepare
    const w = world();
    const web = await startRollout(w.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), w.newId);
    const api = await startRollout(
      w.deps,
      canaryBody({ deployment: 'api', image: 'api:2' }, { analysis: { alarms: ['web-5xx'] } }),
      w.newId,
    );
    const r = (await w.rollouts.get(api.id))!;
    await w.rollouts.save({ ...r, status: 'Paused', pause: { reason: 'Step' } });

    // Act
    const outcome = await onAlarmStateChange(w.deps, change('web-5xx', 'OK'));

    // Assess
    expect(outcome.resumed).toEqual([]);
    expect(await w.rollouts.get(web.id)).toMatchObject({ run: 1 });
    expect(await w.rollouts.get(api.id)).toMatchObject({ run: 1, status: 'Paused' });
    expect(w.workflows.started).toHaveLength(2);
  });

  it('INSUFFICIENT_DATA changes nothing', async () => {
    // Prepare
    const w = world();
    const web = await startRollout(w.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), w.newId);

    // Act
    const outcome = await onAlarmStateChange(w.deps, change('web-5xx', 'INSUFFICIENT_DATA'));

    // Assess
    expect(outcome).toMatchObject({ aborted: [], resumed: [], skipped: [] });
    expect(await w.rollouts.get(web.id)).toMatchObject({ status: 'Progressing', version: 0 });
  });
});
