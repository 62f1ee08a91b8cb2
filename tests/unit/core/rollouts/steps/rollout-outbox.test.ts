import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { sweepRollouts } from '../../../../../core/rollouts/commands/sweep-rollouts';
import { withHistory } from '../../../../../core/rollouts/domain/rollout';
import { saveRollout } from '../../../../../core/rollouts/rollout-deps';
import { createRollout, flushOutbox, OUTBOX_PAGE_SIZE } from '../../../../../core/rollouts/steps/rollout-outbox';
import { defined } from '../../../../helpers/defined';
import { canaryBody, rolloutWorld } from '../../../../helpers/rollout-world';

/** A rollout saved once with two new history entries, while the bus is down or up. */
async function savedWithTwoTransitions(busDown: boolean) {
  const world = rolloutWorld();
  const { id } = await startRollout(world.deps, canaryBody(), world.newId);
  const before = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
  const after = withHistory(
    withHistory(before, world.clock.now(), 'StepCompleted', 'a'),
    world.clock.now(),
    'Paused',
    'b',
  );
  world.events.failing = busDown;
  world.events.published.length = 0;
  await saveRollout(world.deps, before, after);
  return { world, id };
}

describe('transition events: the outbox', () => {
  it('a save publishes the entries it added with stable ids and deletes their outbox entries', async () => {
    // Act
    const { world, id } = await savedWithTwoTransitions(false);

    // Assess
    expect(world.events.published.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      ['Rollout StepCompleted', `${id}:1:0`],
      ['Rollout Paused', `${id}:1:1`],
    ]);
    expect(await world.rollouts.pendingEvents(10)).toEqual([]);
  });

  it('with the bus down nothing is lost: the events wait in the outbox and the flush delivers them once', async () => {
    // Prepare
    const { world, id } = await savedWithTwoTransitions(true);
    expect(world.events.published).toEqual([]);

    // Act
    world.events.failing = false;
    const flushed = await flushOutbox(world.deps);
    const again = await flushOutbox(world.deps);

    // Assess
    expect(world.events.published.map((e) => e.detail.eventId)).toEqual([`${id}:1:0`, `${id}:1:1`]);
    expect(flushed).toEqual({ published: 2, left: 0 });
    expect(again).toEqual({ published: 0, left: 0 });
  });

  it('a flush while the bus is still down keeps everything and stops after one page', async () => {
    // Prepare
    const { world } = await savedWithTwoTransitions(true);
    const pending = jest.spyOn(world.rollouts, 'pendingEvents');

    // Act
    const result = await flushOutbox(world.deps);

    // Assess
    expect(result).toEqual({ published: 0, left: 2 });
    expect(pending).toHaveBeenCalledTimes(1);
    expect(await world.rollouts.pendingEvents(10)).toHaveLength(2);
  });

  it('flushes a backlog larger than one page', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    world.events.failing = true;
    for (let i = 0; i < OUTBOX_PAGE_SIZE + 5; i++) {
      const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
      await saveRollout(world.deps, r, withHistory(r, world.clock.now(), 'StepStarted', `step ${i}`));
    }
    world.events.failing = false;
    world.events.published.length = 0;

    // Act
    const result = await flushOutbox(world.deps);

    // Assess
    expect(result).toEqual({ published: OUTBOX_PAGE_SIZE + 5, left: 0 });
    expect(new Set(world.events.published.map((e) => e.detail.eventId)).size).toBe(OUTBOX_PAGE_SIZE + 5);
  });

  it('the sweep flushes the outbox', async () => {
    // Prepare
    const { world } = await savedWithTwoTransitions(true);
    world.events.failing = false;

    // Act
    await sweepRollouts(world.deps);

    // Assess
    expect(await world.rollouts.pendingEvents(10)).toEqual([]);
    expect(world.events.published).toHaveLength(2);
  });

  it('createRollout writes Started to the outbox with the record and publishes it', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const template = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    const other = { ...template, id: 'ro-2', deployment: 'api', version: 0 };
    world.events.published.length = 0;

    // Act
    await createRollout(world.deps, other);

    // Assess
    expect(world.events.published.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      ['Rollout Started', 'ro-2:0:0'],
    ]);
    expect((await world.rollouts.pendingEvents(10)).map((e) => e.key)).not.toContain('ro-2#0000000000#0000');
  });
});
