import { TransientError, VersionConflictError } from '../../../../core/kernel/errors';
import { abortRollout } from '../../../../core/rollouts/commands/abort-rollout';
import { failRollout } from '../../../../core/rollouts/commands/fail-rollout';
import { promoteRollout } from '../../../../core/rollouts/commands/promote-rollout';
import { startRollout } from '../../../../core/rollouts/commands/start-rollout';
import { MAX_PASSES_PER_EXECUTION, reconcileRollout } from '../../../../core/rollouts/steps/reconcile-rollout';
import {
  blueGreenBody,
  CLUSTER,
  canaryBody,
  NAMESPACE,
  rolloutWorld,
  startedToFirstPause,
} from '../../../helpers/rollout-world';

type World = ReturnType<typeof rolloutWorld>;

const atFirstPause = async (world: ReturnType<typeof rolloutWorld>) => (await startedToFirstPause(world)).id;

describe('abort order (item 4)', () => {
  it('an abort whose restore fails leaves the record saying Aborting, and a run to finish it — never Progressing', async () => {
    // Prepare: the cluster refuses every write
    const world = rolloutWorld();
    const id = await atFirstPause(world);
    world.workloads.setReplicas = async () => {
      throw new TransientError('cluster unreachable');
    };

    // Act
    const r = await abortRollout(world.deps, id, 'by hand');

    // Assess
    expect(r).toMatchObject({ phase: 'Aborting', status: 'Progressing', run: 2 });
    expect((await world.rollouts.get(id))?.phase).toBe('Aborting');
    expect(world.workflows.started.at(-1)?.executionName).toBe(`${id}-2`);
  });
});

describe('failRollout (item 5)', () => {
  it('keeps the Deployment locked while stable is not restored, and ends Failed only once it is', async () => {
    // Prepare: a canary at 9/1 whose workflow failed; stable pods are slow to come back
    const world = rolloutWorld();
    const id = await atFirstPause(world);

    // Act
    await failRollout(world.deps, { rolloutId: id, run: 1, error: { Error: 'TransientError', Cause: 'boom' } });

    // Assess: not Failed yet, still the active rollout of the Deployment, a new run restores
    const restoring = await world.rollouts.get(id);
    expect(restoring).toMatchObject({ status: 'Progressing', phase: 'Aborting', abort: { failure: true }, run: 2 });
    expect((await world.rollouts.listActive()).map((r) => r.id)).toEqual([id]);
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')?.replicas).toBe(1);

    // Act: stable pods become Ready; the new run's pass finishes the restore
    world.workloads.settle();
    const last = await reconcileRollout(world.deps, { rolloutId: id, run: 2 });

    // Assess
    expect(last).toMatchObject({ done: true, status: 'Failed' });
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')).toBeUndefined();
    expect(await world.rollouts.listActive()).toEqual([]);
  });

  it('a restore run that fails too stays Aborting under a new run for the sweep: the canary keeps an owner', async () => {
    // Prepare
    const world = rolloutWorld();
    const id = await atFirstPause(world);
    world.workloads.setReplicas = async () => {
      throw new TransientError('cluster unreachable');
    };
    await failRollout(world.deps, { rolloutId: id, run: 1, error: { Error: 'TransientError', Cause: 'boom' } });

    // Act: the restore run fails as well
    await failRollout(world.deps, { rolloutId: id, run: 2, error: { Error: 'TransientError', Cause: 'again' } });

    // Assess
    expect(await world.rollouts.get(id)).toMatchObject({ status: 'Progressing', phase: 'Aborting', run: 3 });
    expect((await world.rollouts.listActive()).map((r) => r.id)).toEqual([id]);
  });
});

describe('long runs (item 11)', () => {
  it('continues as a new run before the execution history limit', async () => {
    // Prepare: a canary whose pods never become Ready (each pass asks to wait for pods)
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody({ image: 'nginx:unready' }), world.newId);

    // Act: the pass that reaches the limit
    const result = await reconcileRollout(world.deps, { rolloutId: id, run: 1, passes: MAX_PASSES_PER_EXECUTION - 1 });

    // Assess: this execution ends; run 2 carries on in a fresh one
    expect(result).toMatchObject({ done: true });
    expect(await world.rollouts.get(id)).toMatchObject({ run: 2, status: 'Progressing' });
    expect(world.workflows.started.map((s) => s.executionName)).toEqual([`${id}-1`, `${id}-2`]);
    const next = await reconcileRollout(world.deps, { rolloutId: id, run: 2, passes: 0 });
    expect(next).toMatchObject({ done: false, passes: 1, waitingFor: 'pods' });
  });
});

describe('someone else’s write between read and write (item 10)', () => {
  it('a stale view is refused and the pass decides again from what is there now', async () => {
    // Prepare: a rollout at 9/1; then someone scales web between our read and our write
    const world = rolloutWorld();
    const id = await atFirstPause(world);
    const original = world.workloads.getDeployment.bind(world.workloads);
    let raced = false;
    world.workloads.getDeployment = async (c, n, name) => {
      const view = await original(c, n, name);
      if (name === 'web' && !raced) {
        raced = true;
        world.workloads.edit(c, n, 'web', (d) => {
          d.replicas = 12;
        });
      }
      return view;
    };

    // Act: an abort's restore decides from the stale view first
    await abortRollout(world.deps, id, 'by hand');

    // Assess: their 12 was not overwritten by a blind write of 10
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.replicas).toBe(12);
  });
});

describe('a write applied whose answer was lost (the retry meets a 409) is recognised as ours', () => {
  /** The next call of `method` is applied, then fails as a retry after a dropped answer would. */
  function loseNextAnswer(world: World, method: 'setServiceSelector' | 'setTemplate') {
    const original = world.workloads[method].bind(world.workloads) as (...args: unknown[]) => Promise<void>;
    let lost = false;
    (world.workloads as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      await original(...args);
      if (lost) return;
      lost = true;
      throw new VersionConflictError('changed since it was read (our own retried write)');
    };
  }

  async function blueGreenAwaitingPromotion(world: World, scaleDownDelaySeconds: number) {
    const { id } = await startRollout(world.deps, blueGreenBody({}, { scaleDownDelaySeconds }), world.newId);
    for (let i = 0; i < 5; i++) {
      if ((await reconcileRollout(world.deps, { rolloutId: id, run: 1 })).done) break;
      world.workloads.settle();
    }
    return id;
  }

  it('the switch to green', async () => {
    // Prepare
    const world = rolloutWorld();
    const id = await blueGreenAwaitingPromotion(world, 30);
    const { run } = await promoteRollout(world.deps, id, false);
    loseNextAnswer(world, 'setServiceSelector');

    // Act
    await reconcileRollout(world.deps, { rolloutId: id, run });

    // Assess: Switched, not paused for an "external" change
    expect(await world.rollouts.get(id)).toMatchObject({ phase: 'Switched', status: 'Progressing' });
  });

  it('the scale-down of blue after the delay', async () => {
    // Prepare
    const world = rolloutWorld();
    const id = await blueGreenAwaitingPromotion(world, 30);
    const { run } = await promoteRollout(world.deps, id, false);
    await reconcileRollout(world.deps, { rolloutId: id, run });
    expect((await world.rollouts.get(id))?.phase).toBe('Switched');
    world.clock.advance(30_000);
    loseNextAnswer(world, 'setTemplate');

    // Act
    await reconcileRollout(world.deps, { rolloutId: id, run });

    // Assess
    expect((await world.rollouts.get(id))?.phase).toMatch(/Finalizing|Done/);
    expect((await world.rollouts.get(id))?.pause).toBeUndefined();
  });
});
