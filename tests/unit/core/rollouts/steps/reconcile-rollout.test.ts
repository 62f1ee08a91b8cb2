import { promoteRollout } from '../../../../../core/rollouts/commands/promote-rollout';
import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { REVISION_LABEL } from '../../../../../core/rollouts/domain/types';
import { type PassResult, reconcileRollout } from '../../../../../core/rollouts/steps/reconcile-rollout';
import { defined } from '../../../../helpers/defined';
import { blueGreenBody, CLUSTER, canaryBody, NAMESPACE, rolloutWorld, T0 } from '../../../../helpers/rollout-world';

type World = ReturnType<typeof rolloutWorld>;

/** Passes of one run, the Deployment controller settling between them, until the run ends or waits on a timer. */
async function drive(world: World, rolloutId: string, run: number, maxPasses = 20): Promise<PassResult> {
  for (let i = 0; i < maxPasses; i++) {
    const result = await reconcileRollout(world.deps, { rolloutId, run });
    if (result.done || result.waitSeconds > 2) return result;
    world.workloads.settle();
  }
  throw new Error(`rollout ${rolloutId} still moving after ${maxPasses} passes`);
}

function split(world: World) {
  return {
    stable: world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.replicas,
    canary: world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')?.replicas ?? 0,
  };
}

/** A canary whose pods never become Ready (image web:unready), created by one pass, with a 60 s progress deadline. */
async function unreadyCanaryStarted(world: World): Promise<string> {
  const { id } = await startRollout(
    world.deps,
    canaryBody({ image: 'web:unready', progressDeadlineSeconds: 60 }),
    world.newId,
  );
  await reconcileRollout(world.deps, { rolloutId: id, run: 1 });
  world.workloads.settle();
  return id;
}

const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

describe('reconcileRollout: canary, pass by pass', () => {
  it('setWeight 10 → 9/1, pause 30s, setWeight 50 → 5/5, pause {} until promoted, then promotion', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);

    // Act: setWeight 10, then the timed pause
    const first = await drive(world, id, 1);

    // Assess
    expect(split(world)).toEqual({ stable: 9, canary: 1 });
    expect(first).toMatchObject({ done: false, waitSeconds: 30, status: 'Paused' });
    expect(await world.rollouts.get(id)).toMatchObject({
      status: 'Paused',
      currentStepIndex: 1,
      pause: { reason: 'Step', until: at(30) },
      weights: { canary: 10, stable: 90 },
    });

    // Act: the pause ends, setWeight 50, then the open pause
    world.clock.advance(30_000);
    const second = await drive(world, id, 1);

    // Assess
    expect(split(world)).toEqual({ stable: 5, canary: 5 });
    expect(second).toMatchObject({ done: true, waitSeconds: 0, status: 'Paused' });
    const paused = await world.rollouts.get(id);
    expect(paused).toMatchObject({ status: 'Paused', currentStepIndex: 3, weights: { canary: 50, stable: 50 } });
    expect(paused?.pause).toEqual({ reason: 'Step', until: undefined });

    // Act: promote (a new run), which skips the pause and moves the new template onto the stable Deployment
    const promoted = await promoteRollout(world.deps, id, false);
    const third = await drive(world, id, promoted.run);

    // Assess
    expect(third).toMatchObject({ done: true, waitSeconds: 0, status: 'Promoted' });
    const stable = world.workloads.deployment(CLUSTER, NAMESPACE, 'web');
    expect(stable?.replicas).toBe(10);
    expect(stable?.template.spec?.containers?.[0]?.image).toBe('nginx:1.28');
    expect(stable?.template.metadata?.labels?.[REVISION_LABEL]).toBe(promoted.revision);
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')).toBeUndefined();
    const done = await world.rollouts.get(id);
    expect(done).toMatchObject({ status: 'Promoted', phase: 'Done', weights: { canary: 100, stable: 0 } });
    expect(await world.rollouts.listActive()).toEqual([]);
    // The stable Deployment gets the new template before the canary goes.
    const ops = world.workloads.calls.map((c) => `${c.op} ${c.name}`);
    expect(ops.indexOf('setTemplate web')).toBeGreaterThanOrEqual(0);
    expect(ops.indexOf('setTemplate web')).toBeLessThan(ops.indexOf('deleteDeployment web-canary'));
  });

  it('keeps stable at 10 until the canary pod is Ready, then scales it to 9', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);

    // Act
    const created = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });
    const afterCreate = split(world);
    world.workloads.settle();
    await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(created).toMatchObject({ done: false, waitSeconds: 2, status: 'Progressing' });
    expect(afterCreate).toEqual({ stable: 10, canary: 1 });
    expect(split(world)).toEqual({ stable: 9, canary: 1 });
  });

  it('does nothing for a pass of a stale run', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const before = await world.rollouts.get(id);

    // Act
    const stale = await reconcileRollout(world.deps, { rolloutId: id, run: 0 });
    const future = await reconcileRollout(world.deps, { rolloutId: id, run: 2 });

    // Assess
    expect(stale.done).toBe(true);
    expect(future.done).toBe(true);
    expect(world.workloads.calls).toEqual([]);
    expect(await world.rollouts.get(id)).toEqual(before);
  });

  it('aborts at the first pass that sees a guarding alarm in ALARM: stable back to 10, canary gone', async () => {
    // Prepare
    const world = rolloutWorld({ alarms: { 'web-5xx': 'OK' } });
    const { id } = await startRollout(world.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), world.newId);
    await drive(world, id, 1);
    expect(split(world)).toEqual({ stable: 9, canary: 1 });
    world.alarms.set('web-5xx', 'ALARM');
    world.clock.advance(30_000);

    // Act: the pass records the abort and scales stable up; the canary stays until stable is Ready
    const first = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });
    expect(first).toMatchObject({ done: false, status: 'Progressing' });
    expect(split(world)).toEqual({ stable: 10, canary: 1 });
    expect(await world.rollouts.get(id)).toMatchObject({ phase: 'Aborting', abort: { alarm: 'web-5xx' } });
    world.workloads.settle();
    const result = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(result).toMatchObject({ done: true, waitSeconds: 0, status: 'Aborted' });
    expect(split(world)).toEqual({ stable: 10, canary: 0 });
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')).toBeUndefined();
    expect(await world.rollouts.get(id)).toMatchObject({
      status: 'Aborted',
      abort: { alarm: 'web-5xx' },
      weights: { canary: 0, stable: 100 },
    });
    expect(await world.rollouts.listActive()).toEqual([]);
  });

  it('aborts with ProgressDeadlineExceeded when the canary never becomes Ready', async () => {
    // Prepare
    const world = rolloutWorld();
    const id = await unreadyCanaryStarted(world);
    const waiting = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });
    world.clock.advance(61_000);

    // Act
    const result = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(waiting).toMatchObject({ done: false, status: 'Progressing' });
    expect(result).toMatchObject({ done: true, waitSeconds: 0, status: 'Aborted' });
    const aborted = await world.rollouts.get(id);
    expect(aborted?.abort?.reason).toContain('ProgressDeadlineExceeded');
    expect(split(world)).toEqual({ stable: 10, canary: 0 });
  });

  it('does not abort for the deadline while the deadline has not passed', async () => {
    // Prepare
    const world = rolloutWorld();
    const id = await unreadyCanaryStarted(world);
    world.clock.advance(59_000);

    // Act
    const result = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(result).toMatchObject({ done: false, waitSeconds: 1, status: 'Progressing' });
    expect(split(world)).toEqual({ stable: 10, canary: 1 });
  });

  it.each`
    noData     | status       | pauseReason
    ${'pass'}  | ${'Paused'}  | ${'Step'}
    ${'pause'} | ${'Paused'}  | ${'NoData'}
    ${'fail'}  | ${'Aborted'} | ${undefined}
  `(
    'at a step boundary, an alarm with no data and noData $noData → $status ($pauseReason)',
    async ({ noData, status, pauseReason }) => {
      // Prepare
      const world = rolloutWorld({ alarms: { 'web-5xx': 'INSUFFICIENT_DATA' } });
      const { id } = await startRollout(
        world.deps,
        canaryBody({}, { analysis: { alarms: ['web-5xx'], noData } }),
        world.newId,
      );

      // Act
      await drive(world, id, 1);

      // Assess
      const r = await world.rollouts.get(id);
      expect(r?.status).toBe(status);
      expect(r?.pause?.reason).toBe(pauseReason);
    },
  );

  it('promote full skips every remaining step', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    await drive(world, id, 1); // paused 30s at 9/1

    // Act
    const promoted = await promoteRollout(world.deps, id, true);
    const result = await drive(world, id, promoted.run);

    // Assess
    expect(result.status).toBe('Promoted');
    expect(
      world.workloads.calls.filter((c) => c.op === 'setReplicas' && c.name === 'web-canary' && c.replicas === 5),
    ).toEqual([]);
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.template.spec?.containers?.[0]?.image).toBe(
      'nginx:1.28',
    );
  });
});

describe('reconcileRollout: idempotent passes', () => {
  it('re-running the pass that creates the canary creates it once and records nothing twice', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);

    // Act
    const once = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });
    const afterOnce = await world.rollouts.get(id);
    const twice = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(twice).toEqual(once);
    expect(world.workloads.calls.filter((c) => c.op === 'createDeployment')).toHaveLength(1);
    expect(await world.rollouts.get(id)).toEqual(afterOnce);
  });

  it('re-running a timed-pause pass gives the same result and does not duplicate history', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const first = await drive(world, id, 1);
    const before = await world.rollouts.get(id);
    const writes = world.workloads.writes;

    // Act
    const again = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(again).toEqual(first);
    const after = await world.rollouts.get(id);
    expect(after?.history).toEqual(before?.history);
    expect(after?.version).toBe(before?.version);
    expect(world.workloads.writes).toBe(writes);
  });

  it('re-running the pass after the pause ended does not duplicate StepCompleted', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    await drive(world, id, 1);
    world.clock.advance(30_000);
    await drive(world, id, 1);
    const before = await world.rollouts.get(id);

    // Act
    const again = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(again).toMatchObject({ done: true, waitSeconds: 0, status: 'Paused' });
    const after = await world.rollouts.get(id);
    expect(after?.history).toEqual(before?.history);
    const completed = defined(after, 'after')
      .history.filter((e) => e.type === 'StepCompleted')
      .map((e) => e.stepIndex);
    expect(completed).toEqual([0, 1, 2]);
  });

  it('a pass after the abort has finished ends and touches nothing', async () => {
    // Prepare
    const world = rolloutWorld({ alarms: { 'web-5xx': 'OK' } });
    const { id } = await startRollout(world.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), world.newId);
    await drive(world, id, 1);
    world.alarms.set('web-5xx', 'ALARM');
    await drive(world, id, 1);
    const before = await world.rollouts.get(id);
    expect(before?.status).toBe('Aborted');
    world.workloads.calls.length = 0;

    // Act
    const again = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(again).toMatchObject({ done: true, waitSeconds: 0, status: 'Aborted' });
    expect(await world.rollouts.get(id)).toEqual(before);
    expect(world.workloads.calls).toEqual([]);
  });
});

describe('reconcileRollout: blue-green', () => {
  it('Preview → waits for promote → Switched → Promoted after the scale-down delay', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id, revision } = await startRollout(
      world.deps,
      blueGreenBody({}, { scaleDownDelaySeconds: 30 }),
      world.newId,
    );

    // Act: green comes up beside blue
    const preview = await drive(world, id, 1);

    // Assess
    expect(preview).toMatchObject({ done: true, waitSeconds: 0, status: 'Paused' });
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-green')?.replicas).toBe(10);
    expect(world.workloads.serviceSelector(CLUSTER, NAMESPACE, 'web-preview')).toEqual({
      app: 'web',
      version: revision,
    });
    // The active Service is pinned to blue's ReplicaSet: green's pods (also app=web) get no production traffic
    const { stable } = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    expect(world.workloads.serviceSelector(CLUSTER, NAMESPACE, 'web')).toEqual({
      app: 'web',
      'pod-template-hash': stable.podTemplateHash,
    });

    // Act: promote switches the active Service
    const promoted = await promoteRollout(world.deps, id, false);
    const switched = await drive(world, id, promoted.run);

    // Assess
    expect(switched).toMatchObject({ done: false, waitSeconds: 30, status: 'Progressing' });
    expect(world.workloads.serviceSelector(CLUSTER, NAMESPACE, 'web')).toEqual({ app: 'web', version: revision });
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.template.spec?.containers?.[0]?.image).toBe(
      'nginx:1.27',
    );

    // Act: the delay passes
    world.clock.advance(30_000);
    const done = await drive(world, id, promoted.run);

    // Assess
    expect(done).toMatchObject({ done: true, waitSeconds: 0, status: 'Promoted' });
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.template.spec?.containers?.[0]?.image).toBe(
      'nginx:1.28',
    );
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-green')).toBeUndefined();
  });
});
