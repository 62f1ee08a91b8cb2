import { ConflictError, NotFoundError } from '../../../../../core/kernel/errors';
import { abortRollout } from '../../../../../core/rollouts/commands/abort-rollout';
import { MAX_REMEMBERED_PROMOTE_KEYS, promoteRollout } from '../../../../../core/rollouts/commands/promote-rollout';
import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { defined } from '../../../../helpers/defined';
import { blueGreenBody, canaryBody, rolloutWorld, T0 } from '../../../../helpers/rollout-world';

describe('promoteRollout', () => {
  it.each`
    full     | promoteRequest
    ${false} | ${'step'}
    ${true}  | ${'full'}
  `('full=$full → promoteRequest $promoteRequest, run 2, execution <id>-2', async ({ full, promoteRequest }) => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    await world.rollouts.save({ ...r, status: 'Paused', pause: { reason: 'Step' } });

    // Act
    const promoted = await promoteRollout(world.deps, id, full);

    // Assess
    expect(promoted).toMatchObject({ status: 'Progressing', promoteRequest, run: 2 });
    expect(promoted.pause).toBeUndefined();
    expect(promoted.history.at(-1)?.type).toBe('Resumed');
    expect(world.workflows.started.at(-1)).toEqual({
      workflow: 'rollout',
      executionName: `${id}-2`,
      input: { rolloutId: id, run: 2 },
    });
    expect(await world.rollouts.get(id)).toMatchObject({ run: 2, promoteRequest });
  });

  it('takes the next run number each time a pass has taken the previous promote', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const consumePromote = async () => {
      const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
      await world.rollouts.save({ ...r, promoteRequest: undefined, currentStepIndex: r.currentStepIndex + 1 });
    };

    // Act
    await promoteRollout(world.deps, id, false);
    await consumePromote();
    const third = await promoteRollout(world.deps, id, false);

    // Assess
    expect(third.run).toBe(3);
    expect(world.workflows.started.map((s) => s.executionName)).toEqual([`${id}-1`, `${id}-2`, `${id}-3`]);
  });

  it('409 for an Aborted rollout', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    await abortRollout(world.deps, id, 'by hand');

    // Act
    const error = await promoteRollout(world.deps, id, false).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain('by hand');
    expect(world.workflows.started).toHaveLength(1);
  });

  it.each(['Promoted', 'Failed'] as const)('409 for a %s rollout', async (status) => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    await world.rollouts.save({ ...r, status });

    // Act / Assess
    await expect(promoteRollout(world.deps, id, true)).rejects.toBeInstanceOf(ConflictError);
    expect(world.workflows.started).toHaveLength(1);
  });

  it('409 while already promoting', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    await world.rollouts.save({ ...r, phase: 'Promoting' });

    // Act / Assess
    await expect(promoteRollout(world.deps, id, false)).rejects.toBeInstanceOf(ConflictError);
  });

  it('404 for an unknown id', async () => {
    // Act / Assess
    await expect(promoteRollout(rolloutWorld().deps, 'nope', false)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('promoteRollout is idempotent', () => {
  async function pausedAtStep(step: number) {
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    await world.rollouts.save({ ...r, status: 'Paused', pause: { reason: 'Step' }, currentStepIndex: step });
    return { world, id };
  }

  it('a retry while the first promote is still pending changes nothing', async () => {
    // Prepare
    const { world, id } = await pausedAtStep(1);
    const first = await promoteRollout(world.deps, id, { step: 1 });

    // Act
    const retry = await promoteRollout(world.deps, id, { step: 1 });
    const bare = await promoteRollout(world.deps, id, {});

    // Assess
    expect(retry.version).toBe(first.version);
    expect(bare.version).toBe(first.version);
    expect(world.workflows.started).toHaveLength(2);
    expect((await world.rollouts.get(id))?.history.filter((h) => h.type === 'Resumed')).toHaveLength(1);
  });

  it('a step the rollout is already past is a no-op that returns the rollout', async () => {
    // Prepare
    const { world, id } = await pausedAtStep(3);
    const before = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');

    // Act
    const result = await promoteRollout(world.deps, id, { step: 1 });

    // Assess
    expect(result).toEqual(before);
    expect(world.workflows.started).toHaveLength(1);
  });

  it('a Promoted rollout answers a step retry with 200, not 409', async () => {
    // Prepare
    const { world, id } = await pausedAtStep(3);
    const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    await world.rollouts.save({ ...r, status: 'Promoted', phase: 'Done', currentStepIndex: 4 });

    // Act
    const result = await promoteRollout(world.deps, id, { step: 3 });

    // Assess
    expect(result.status).toBe('Promoted');
  });

  it('a step ahead of the rollout is a 409 naming step', async () => {
    // Prepare
    const { world, id } = await pausedAtStep(1);

    // Act
    const error = await promoteRollout(world.deps, id, { step: 3 }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).details).toEqual([{ field: 'step', reason: 'rollout is at step 1' }]);
  });

  it('a step on a blue-green rollout is a 400 naming step', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, blueGreenBody(), world.newId);

    // Act / Assess
    await expect(promoteRollout(world.deps, id, { step: 0 })).rejects.toMatchObject({
      status: 400,
      details: [{ field: 'step' }],
    });
  });

  it('an idempotency key seen before returns the rollout without acting, even after the pass took the promote', async () => {
    // Prepare
    const { world, id } = await pausedAtStep(1);
    const first = await promoteRollout(world.deps, id, { idempotencyKey: 'req-1' });
    const taken = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    await world.rollouts.save({
      ...taken,
      promoteRequest: undefined,
      currentStepIndex: 2,
      status: 'Paused',
      pause: { reason: 'Step' },
    });

    // Act
    const retry = await promoteRollout(world.deps, id, { idempotencyKey: 'req-1' });

    // Assess
    expect(first.promoteKeys).toEqual([{ key: 'req-1', full: false, at: T0 }]);
    expect(retry).toMatchObject({ status: 'Paused', currentStepIndex: 2, run: 2 });
    expect(world.workflows.started).toHaveLength(2);
  });

  it('an idempotency key reused for a different request is a 400 naming Idempotency-Key', async () => {
    // Prepare
    const { world, id } = await pausedAtStep(1);
    await promoteRollout(world.deps, id, { idempotencyKey: 'req-1' });

    // Act / Assess
    await expect(promoteRollout(world.deps, id, { idempotencyKey: 'req-1', full: true })).rejects.toMatchObject({
      status: 400,
      details: [{ field: 'Idempotency-Key' }],
    });
  });

  it('remembers only the last few keys', async () => {
    // Prepare
    const { world, id } = await pausedAtStep(0);

    // Act
    for (let i = 0; i < MAX_REMEMBERED_PROMOTE_KEYS + 3; i++) {
      await promoteRollout(world.deps, id, { idempotencyKey: `k${i}` });
      const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
      await world.rollouts.save({ ...r, promoteRequest: undefined });
    }

    // Assess
    const keys = defined(
      defined(await world.rollouts.get(id), 'world.rollouts.get(id)').promoteKeys,
      '(await world.rollouts.get(id))!.promoteKeys',
    ).map((k) => k.key);
    expect(keys).toHaveLength(MAX_REMEMBERED_PROMOTE_KEYS);
    expect(keys.at(-1)).toBe(`k${MAX_REMEMBERED_PROMOTE_KEYS + 2}`);
  });

  it('a full promote upgrades a pending step promote', async () => {
    // Prepare
    const { world, id } = await pausedAtStep(1);
    await promoteRollout(world.deps, id, {});

    // Act
    const full = await promoteRollout(world.deps, id, { full: true });

    // Assess
    expect(full.promoteRequest).toBe('full');
    expect(world.workflows.started).toHaveLength(3);
  });
});
