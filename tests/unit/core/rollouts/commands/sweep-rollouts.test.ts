import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { sweepRollouts } from '../../../../../core/rollouts/commands/sweep-rollouts';
import type { Rollout } from '../../../../../core/rollouts/domain/types';
import { defined } from '../../../../helpers/defined';
import { CLUSTER, canaryBody, NAMESPACE, rolloutWorld } from '../../../../helpers/rollout-world';

/** One rollout per name, each on its own Deployment, guarded by alarm `guard`. */
async function world(names: string[]) {
  const w = rolloutWorld({ alarms: { guard: 'OK' } });
  const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x:1' }] } };
  const ids: Record<string, string> = {};
  for (const n of names) {
    w.workloads.addDeployment(CLUSTER, NAMESPACE, n, { replicas: 2, template, selector: { app: n } });
    const body = canaryBody({ deployment: n, image: 'x:2' }, { analysis: { alarms: ['guard'] } });
    ids[n] = (await startRollout(w.deps, body, w.newId)).id;
  }
  const patch = async (n: string, change: Partial<Omit<Rollout, 'strategy' | 'request'>>) => {
    const r = defined(await w.rollouts.get(defined(ids[n], 'ids[n]')), "w.rollouts.get(defined(ids[n], 'ids[n]'))");
    await w.rollouts.save({ ...r, ...change });
  };
  return { w, ids, patch };
}

describe('sweepRollouts', () => {
  it('starts a run that never started, restarts one that ended, and leaves running ones and pauses for a person alone', async () => {
    // Prepare
    const { w, ids, patch } = await world(['running', 'never-started', 'ended', 'timed', 'open', 'promoted']);
    await patch('never-started', { run: 3 });
    w.workflows.end(`${ids.ended}-1`);
    await patch('timed', { status: 'Paused', pause: { reason: 'Step', until: '2026-03-01T12:05:00.000Z' } });
    await patch('open', { status: 'Paused', pause: { reason: 'Step' } });
    w.workflows.end(`${ids.open}-1`);
    await patch('promoted', { status: 'Promoted' });
    w.workflows.started.splice(
      0,
      w.workflows.started.length,
      ...w.workflows.started.filter((s) => s.executionName.endsWith('-1')),
    );

    // Act
    const result = await sweepRollouts(w.deps);

    // Assess
    expect(result).toEqual({
      checked: 5,
      aborted: [],
      resumed: [],
      started: [ids['never-started']],
      restarted: [ids.ended],
    });
    expect(
      w.workflows.started
        .slice(-2)
        .map((s) => s.executionName)
        .sort(),
    ).toEqual([`${ids['never-started']}-3`, `${ids.ended}-2`].sort());
    const ended = await w.rollouts.get(defined(ids.ended, 'ids.ended'));
    expect(ended).toMatchObject({ run: 2, status: 'Progressing' });
    expect(ended?.history.at(-1)).toMatchObject({ type: 'Resumed', message: expect.stringMatching(/run 1 ended/) });
    expect(await w.rollouts.get(defined(ids.open, 'ids.open'))).toMatchObject({ run: 1, status: 'Paused' });
  });

  it('running twice restarts an ended run once', async () => {
    // Prepare
    const { w, ids } = await world(['ended']);
    w.workflows.end(`${ids.ended}-1`);

    // Act
    const first = await sweepRollouts(w.deps);
    const second = await sweepRollouts(w.deps);

    // Assess
    expect(first.restarted).toEqual([ids.ended]);
    expect(second.restarted).toEqual([]);
    expect(await w.rollouts.get(defined(ids.ended, 'ids.ended'))).toMatchObject({ run: 2 });
  });

  it('aborts rollouts whose guarding alarm is in ALARM, paused for a person ones included (a lost ALARM event)', async () => {
    // Prepare
    const { w, ids, patch } = await world(['open', 'moving']);
    await patch('open', { status: 'Paused', pause: { reason: 'Step' } });
    w.alarms.set('guard', 'ALARM');

    // Act
    const result = await sweepRollouts(w.deps);

    // Assess
    expect(result.aborted.sort()).toEqual([ids.open, ids.moving].sort());
    for (const id of Object.values(ids))
      expect(await w.rollouts.get(id)).toMatchObject({ status: 'Aborted', abort: { alarm: 'guard' } });
  });

  it('resumes a NoData pause whose alarms are all OK (a lost OK), and not one whose alarm is still silent', async () => {
    // Prepare
    const { w, ids, patch } = await world(['healed', 'silent']);
    w.alarms.set('quiet', 'INSUFFICIENT_DATA');
    await patch('healed', { status: 'Paused', pause: { reason: 'NoData' } });
    await patch('silent', { status: 'Paused', pause: { reason: 'NoData' }, alarms: ['guard', 'quiet'] });

    // Act
    const result = await sweepRollouts(w.deps);

    // Assess
    expect(result.resumed).toEqual([ids.healed]);
    expect(await w.rollouts.get(defined(ids.healed, 'ids.healed'))).toMatchObject({ status: 'Progressing', run: 2 });
    expect(w.workflows.started.at(-1)?.executionName).toBe(`${ids.healed}-2`);
    expect(await w.rollouts.get(defined(ids.silent, 'ids.silent'))).toMatchObject({ status: 'Paused', run: 1 });
  });

  it('reads the alarms of all rollouts in one batch', async () => {
    // Prepare
    const { w } = await world(['a', 'b', 'c']);
    w.alarms.queried.length = 0;

    // Act
    await sweepRollouts(w.deps);

    // Assess
    expect(w.alarms.queried).toEqual([['guard']]);
  });

  it('sweeps the others when one fails, then throws naming it', async () => {
    // Prepare
    const { w, ids } = await world(['broken', 'ended']);
    w.workflows.end(`${ids.ended}-1`);
    w.workflows.end(`${ids.broken}-1`);
    const status = w.workflows.status.bind(w.workflows);
    w.workflows.status = async (workflow, name) => {
      if (name.startsWith(defined(ids.broken, 'ids.broken'))) throw new Error('Step Functions is down');
      return status(workflow, name);
    };

    // Act
    const act = sweepRollouts(w.deps);

    // Assess
    await expect(act).rejects.toThrow(ids.broken);
    expect(await w.rollouts.get(defined(ids.ended, 'ids.ended'))).toMatchObject({ run: 2 });
  });

  it('does nothing without active rollouts', async () => {
    // Prepare
    const w = rolloutWorld();

    // Act / Assess
    expect(await sweepRollouts(w.deps)).toEqual({ checked: 0, aborted: [], resumed: [], started: [], restarted: [] });
    expect(w.workflows.started).toEqual([]);
  });
});
