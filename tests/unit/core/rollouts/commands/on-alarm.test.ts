import type { AlarmStateChange } from '../../../../../core/alarms/requests/alarm-event';
import { Coalescer } from '../../../../../core/kernel/concurrency';
import { TransientError } from '../../../../../core/kernel/errors';
import {
  type AlarmOutcome,
  MAX_ROLLOUTS_IN_FLIGHT,
  onAlarmStateChange,
} from '../../../../../core/rollouts/commands/on-alarm';
import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import type { Rollout } from '../../../../../core/rollouts/domain/types';
import type { RolloutStore } from '../../../../../core/rollouts/ports/rollout-store';
import type { Workloads } from '../../../../../core/rollouts/ports/workloads';
import { reconcileRollout } from '../../../../../core/rollouts/steps/reconcile-rollout';
import { defined } from '../../../../helpers/defined';
import { CLUSTER, canaryBody, NAMESPACE, rolloutWorld, T0 } from '../../../../helpers/rollout-world';

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

    w.alarms.set('web-5xx', 'ALARM');

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
    w.alarms.set('web-5xx', 'ALARM');

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
    w.alarms.set('web-5xx', 'ALARM');

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
    const r = defined(await w.rollouts.get(api.id), 'w.rollouts.get(api.id)');
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

/** A world with `count` Deployments `app-<i>`, each with a rollout guarded by `web-5xx`. */
async function manyRollouts(count: number) {
  const w = rolloutWorld({ alarms: { 'web-5xx': 'OK' } });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `app-${i}`;
    w.workloads.addDeployment(CLUSTER, NAMESPACE, name, {
      replicas: 2,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `${name}:1` }] } },
      selector: { app: name },
    });
    const body = canaryBody({ deployment: name, image: `${name}:2` }, { analysis: { alarms: ['web-5xx'] } });
    ids.push((await startRollout(w.deps, body, w.newId)).id);
  }
  return { w, ids };
}

/** Workloads that fail for one Deployment and count the calls in flight at once. */
/**
 * The store refuses every write of one rollout (its abort cannot even be recorded); the others work. A failing
 * cluster would not do: the abort is recorded first and a workflow run retries the restore.
 */
function failingSavesFor(inner: RolloutStore, id: string): RolloutStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'save' || typeof value !== 'function')
        return typeof value === 'function' ? value.bind(target) : value;
      return async (r: Rollout, ...rest: unknown[]) => {
        if (r.id === id) throw new TransientError(`store is down for ${id}`);
        return value.apply(target, [r, ...rest]);
      };
    },
  });
}

function instrumented(inner: Workloads, failFor?: string) {
  const seen = { inFlight: 0, max: 0 };
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        seen.inFlight++;
        seen.max = Math.max(seen.max, seen.inFlight);
        try {
          await new Promise((r) => setImmediate(r));
          if (failFor && args[2] === failFor) throw new Error(`kube is down for ${failFor}`);
          return await value.apply(target, args);
        } finally {
          seen.inFlight--;
        }
      };
    },
  });
  return { workloads: proxy, seen };
}

describe('onAlarmStateChange: stale and replayed events', () => {
  it('an ALARM whose alarm is OK again changes nothing (checked once per event)', async () => {
    // Prepare
    const { w, ids } = await manyRollouts(3);
    w.alarms.queried.length = 0;

    // Act: the alarm recovered before this (retried) delivery
    const outcome = await onAlarmStateChange(w.deps, change('web-5xx', 'ALARM'));

    // Assess
    expect(outcome.aborted).toEqual([]);
    expect(outcome.ignored).toMatch(/is OK now, not ALARM/);
    for (const id of ids) expect(await w.rollouts.get(id)).toMatchObject({ status: 'Progressing', version: 0 });
    expect(w.alarms.queried).toEqual([['web-5xx']]);
  });

  it('an event of an alarm that was deleted changes nothing', async () => {
    // Prepare
    const { w, ids } = await manyRollouts(1);
    w.alarms.alarms.delete('web-5xx');

    // Act
    const outcome = await onAlarmStateChange(w.deps, change('web-5xx', 'ALARM'));

    // Assess
    expect(outcome.ignored).toMatch(/is deleted now/);
    expect(await w.rollouts.get(defined(ids[0], 'ids[0]'))).toMatchObject({ status: 'Progressing' });
  });

  it('an ALARM the alarm entered before a rollout started does not abort that rollout', async () => {
    // Prepare: one rollout before the alarm fired, one after
    const w = world();
    const before = await startRollout(w.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), w.newId);
    w.clock.advance(60_000);
    const firedAt = w.clock.now().toISOString();
    w.clock.advance(60_000);
    const after = await startRollout(
      w.deps,
      canaryBody({ deployment: 'api', image: 'api:2' }, { analysis: { alarms: ['web-5xx'] } }),
      w.newId,
    );
    w.alarms.set('web-5xx', 'ALARM');

    // Act: delivered late, after the second rollout started
    const outcome = await onAlarmStateChange(w.deps, { alarmName: 'web-5xx', state: 'ALARM', time: firedAt });

    // Assess
    expect(outcome.aborted).toEqual([before.id]);
    expect(outcome.skipped).toEqual([{ id: after.id, reason: expect.stringMatching(/before the rollout started/) }]);
    expect(await w.rollouts.get(after.id)).toMatchObject({ status: 'Progressing' });
  });
});

describe('onAlarmStateChange: each rollout on its own, a few at a time', () => {
  it('one failing rollout neither fails nor skips the others; then it throws naming the failed one', async () => {
    // Prepare
    const { w, ids } = await manyRollouts(5);
    w.alarms.set('web-5xx', 'ALARM');
    const rollouts = failingSavesFor(w.deps.rollouts, defined(ids[2], 'ids[2]'));

    // Act
    const act = onAlarmStateChange({ ...w.deps, rollouts }, change('web-5xx', 'ALARM'));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'TransientError',
      message: expect.stringContaining(defined(ids[2], 'ids[2]')),
    });
    for (const [i, id] of ids.entries())
      expect((await w.rollouts.get(id))?.status).toBe(i === 2 ? 'Progressing' : 'Aborted');
  });

  it('the retry of a partly failed delivery finishes the job', async () => {
    // Prepare
    const { w, ids } = await manyRollouts(3);
    w.alarms.set('web-5xx', 'ALARM');
    const coalescer = new Coalescer<AlarmOutcome>({ ttlMs: 60_000, capacity: 10 });
    const rollouts = failingSavesFor(w.deps.rollouts, defined(ids[1], 'ids[1]'));
    await expect(onAlarmStateChange({ ...w.deps, rollouts }, change('web-5xx', 'ALARM'), coalescer)).rejects.toThrow(
      ids[1],
    );

    // Act: Lambda retries the same event; the failure was not remembered
    const retry = await onAlarmStateChange(w.deps, change('web-5xx', 'ALARM'), coalescer);

    // Assess
    expect(retry.aborted).toEqual([ids[1]]);
    for (const id of ids) expect((await w.rollouts.get(id))?.status).toBe('Aborted');
  });

  it(`acts on at most ${MAX_ROLLOUTS_IN_FLIGHT} rollouts at once`, async () => {
    // Prepare
    const { w, ids } = await manyRollouts(30);
    w.alarms.set('web-5xx', 'ALARM');
    const { workloads, seen } = instrumented(w.deps.workloads);

    // Act
    const outcome = await onAlarmStateChange({ ...w.deps, workloads }, change('web-5xx', 'ALARM'));

    // Assess
    expect(outcome.aborted).toHaveLength(ids.length);
    expect(seen.max).toBeGreaterThan(1);
    expect(seen.max).toBeLessThanOrEqual(MAX_ROLLOUTS_IN_FLIGHT);
  });

  it('duplicates of one change share its work: one alarm read, one fan-out, one abort each', async () => {
    // Prepare
    const { w, ids } = await manyRollouts(10);
    w.alarms.set('web-5xx', 'ALARM');
    w.alarms.queried.length = 0;
    const coalescer = new Coalescer<AlarmOutcome>({ ttlMs: 60_000, capacity: 10 });

    // Act: 50 copies at once, then 50 more after
    const burst = await Promise.all(
      Array.from({ length: 50 }, () => onAlarmStateChange(w.deps, change('web-5xx', 'ALARM'), coalescer)),
    );
    const later = await Promise.all(
      Array.from({ length: 50 }, () => onAlarmStateChange(w.deps, change('web-5xx', 'ALARM'), coalescer)),
    );

    // Assess
    expect(w.alarms.queried).toEqual([['web-5xx']]);
    expect([...burst, ...later].filter((o) => !o.duplicate)).toHaveLength(1);
    expect(burst.filter((o) => o.ignored?.includes('being handled by another delivery'))).toHaveLength(49);
    expect(later.every((o) => o.duplicate && o.aborted.length === ids.length)).toBe(true);
    for (const id of ids) {
      const r = await w.rollouts.get(id);
      expect(r?.history.filter((e) => e.type === 'Aborted')).toHaveLength(1);
    }
    expect(w.events.types().filter((t) => t === 'Rollout Aborted')).toHaveLength(ids.length);
  });
});

describe('onAlarmStateChange: OK and NoData pauses', () => {
  async function pausedForNoData() {
    const w = world();
    w.alarms.set('web-5xx', 'INSUFFICIENT_DATA');
    const web = await startRollout(w.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), w.newId);
    for (let i = 0; i < 5; i++) {
      if ((await reconcileRollout(w.deps, { rolloutId: web.id, run: 1 })).done) break;
      w.workloads.settle();
    }
    expect(await w.rollouts.get(web.id)).toMatchObject({ status: 'Paused', pause: { reason: 'NoData' } });
    return { w, web };
  }

  it('an OK decides again on fresh facts when its save loses a race', async () => {
    // Prepare: someone writes the rollout between the OK's read and its save
    const { w, web } = await pausedForNoData();
    w.alarms.set('web-5xx', 'OK');
    const save = w.rollouts.save.bind(w.rollouts);
    let raced = false;
    w.rollouts.save = async (r) => {
      if (!raced) {
        raced = true;
        const current = defined(await w.rollouts.get(r.id), 'w.rollouts.get(r.id)');
        await save({ ...current, updatedAt: 'someone else' });
      }
      return save(r);
    };

    // Act
    const outcome = await onAlarmStateChange(w.deps, change('web-5xx', 'OK'));

    // Assess
    expect(raced).toBe(true);
    expect(outcome.resumed).toEqual([web.id]);
    expect(await w.rollouts.get(web.id)).toMatchObject({ status: 'Progressing', run: 2 });
  });
});
