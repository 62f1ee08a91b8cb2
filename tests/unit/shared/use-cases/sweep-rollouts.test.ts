import { sweepRollouts } from '../../../../shared/use-cases/sweep-rollouts';
import { startRollout } from '../../../../shared/use-cases/start-rollout';
import type { Rollout } from '../../../../shared/domain/rollout/types';
import { canaryBody, CLUSTER, NAMESPACE, rolloutWorld } from '../../../helpers/rollout-world';

describe('sweepRollouts', () => {
  it('restarts the current run of every moving rollout, not of those waiting for a person or finished', async () => {
    // Prepare
    const w = rolloutWorld();
    const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x:1' }] } };
    const names = ['progressing', 'timed', 'open', 'nodata', 'promoted'];
    for (const n of names)
      w.workloads.addDeployment(CLUSTER, NAMESPACE, n, { replicas: 2, template, selector: { app: n } });
    const ids: Record<string, string> = {};
    for (const n of names)
      ids[n] = (await startRollout(w.deps, canaryBody({ deployment: n, image: 'x:2' }), w.newId)).id;
    const patch = async (n: string, change: Partial<Rollout>) => {
      const r = (await w.rollouts.get(ids[n]))!;
      await w.rollouts.save({ ...r, ...change });
    };
    await patch('progressing', { run: 3 });
    await patch('timed', { status: 'Paused', pause: { reason: 'Step', until: '2026-03-01T12:05:00.000Z' } });
    await patch('open', { status: 'Paused', pause: { reason: 'Step' } });
    await patch('nodata', { status: 'Paused', pause: { reason: 'NoData' } });
    await patch('promoted', { status: 'Promoted' });
    w.workflows.started.length = 0;

    // Act
    const result = await sweepRollouts(w.deps);

    // Assess
    expect(result).toEqual({ checked: 4, started: 2 });
    expect(w.workflows.started.map((s) => s.executionName).sort()).toEqual(
      [`${ids.progressing}-3`, `${ids.timed}-1`].sort(),
    );
    expect(w.workflows.started.find((s) => s.executionName === `${ids.progressing}-3`)?.input).toEqual({
      rolloutId: ids.progressing,
      run: 3,
    });
  });

  it('does nothing without active rollouts', async () => {
    // Prepare
    const w = rolloutWorld();

    // Act / Assess
    expect(await sweepRollouts(w.deps)).toEqual({ checked: 0, started: 0 });
    expect(w.workflows.started).toEqual([]);
  });
});
