import { ConflictError, NotFoundError } from '../../../../shared/errors';
import { abortRollout } from '../../../../shared/use-cases/abort-rollout';
import { promoteRollout } from '../../../../shared/use-cases/promote-rollout';
import { startRollout } from '../../../../shared/use-cases/start-rollout';
import { canaryBody, rolloutWorld } from '../../../helpers/rollout-world';

describe('promoteRollout', () => {
  it.each`
    full     | promoteRequest
    ${false} | ${'step'}
    ${true}  | ${'full'}
  `('full=$full → promoteRequest $promoteRequest, run 2, execution <id>-2', async ({ full, promoteRequest }) => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const r = (await world.rollouts.get(id))!;
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

  it('takes the next run number each time', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);

    // Act
    await promoteRollout(world.deps, id, false);
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
    const r = (await world.rollouts.get(id))!;
    await world.rollouts.save({ ...r, status });

    // Act / Assess
    await expect(promoteRollout(world.deps, id, true)).rejects.toBeInstanceOf(ConflictError);
    expect(world.workflows.started).toHaveLength(1);
  });

  it('409 while already promoting', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const r = (await world.rollouts.get(id))!;
    await world.rollouts.save({ ...r, phase: 'Promoting' });

    // Act / Assess
    await expect(promoteRollout(world.deps, id, false)).rejects.toBeInstanceOf(ConflictError);
  });

  it('404 for an unknown id', async () => {
    // Act / Assess
    await expect(promoteRollout(rolloutWorld().deps, 'nope', false)).rejects.toBeInstanceOf(NotFoundError);
  });
});
