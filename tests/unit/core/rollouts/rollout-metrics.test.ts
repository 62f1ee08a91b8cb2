import { abortRollout } from '../../../../core/rollouts/commands/abort-rollout';
import { promoteRollout } from '../../../../core/rollouts/commands/promote-rollout';
import { reconcileRollout } from '../../../../core/rollouts/steps/reconcile-rollout';
import { defined } from '../../../helpers/defined';
import { rolloutWorld, startedToFirstPause } from '../../../helpers/rollout-world';

// Issue 8, item 7: each transition is counted where it is saved, once, through the Metrics port.
describe('rollout metrics', () => {
  it('counts a start, and an alarm abort with the milliseconds from the abort to stable serving alone', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startedToFirstPause(world);

    // Act: the alarm aborts; stable becomes Ready 1.5 s later; the pass then finishes the abort (twice: a retry)
    await abortRollout(world.deps, id, 'alarm web-5xx in ALARM', 'web-5xx');
    world.clock.advance(1500);
    world.workloads.settle();
    await reconcileRollout(world.deps, { rolloutId: id, run: 2 });
    await reconcileRollout(world.deps, { rolloutId: id, run: 2 });

    // Assess
    expect(world.metrics.named('RolloutsStarted')).toEqual([
      { name: 'RolloutsStarted', unit: 'Count', value: 1, dimensions: { strategy: 'canary' } },
    ]);
    expect(world.metrics.named('RolloutsAborted')).toHaveLength(1);
    expect(world.metrics.named('AlarmToStableMilliseconds')).toEqual([
      { name: 'AlarmToStableMilliseconds', unit: 'Milliseconds', value: 1500, dimensions: { strategy: 'canary' } },
    ]);
    expect(world.metrics.named('RolloutsPromoted')).toEqual([]);
  });

  it('counts a promotion once, with no abort metrics', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startedToFirstPause(world);

    // Act
    await promoteRollout(world.deps, id, { full: true });
    for (let i = 0; i < 10; i++) {
      const pass = await reconcileRollout(world.deps, {
        rolloutId: id,
        run: defined(await world.rollouts.get(id), 'world.rollouts.get(id)').run,
      });
      world.workloads.settle();
      if (pass.done) break;
    }

    // Assess
    expect((await world.rollouts.get(id))?.status).toBe('Promoted');
    expect(world.metrics.named('RolloutsPromoted')).toHaveLength(1);
    expect(world.metrics.named('RolloutsAborted')).toEqual([]);
    expect(world.metrics.named('AlarmToStableMilliseconds')).toEqual([]);
  });
});
