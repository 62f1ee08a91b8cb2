import { ConflictError } from '../../../../../core/kernel/errors';
import { createSchedule } from '../../../../../core/scaling/commands/manage-schedules';
import { scalingWorld } from '../../../../helpers/scaling-fakes';

const target = { cluster: 'c1', nodegroup: 'ng' };
const body = { name: 'night', schedule: 'cron(0 20 * * ? *)', timezone: 'UTC', desiredSize: 2 };

function world() {
  const w = scalingWorld();
  w.nodegroups.add('c1', 'ng', { minSize: 1, maxSize: 8, desiredSize: 4 });
  return w;
}

describe('createSchedule: a name already taken is a 409 naming it, never adopted', () => {
  it('a schedule eksflow already stores under that name: 409 naming name; the stored one is unchanged', async () => {
    // Prepare
    const w = world();
    await createSchedule(w.deps, target, body, 'alice');

    // Act
    const error = await createSchedule(w.deps, target, { ...body, desiredSize: 7 }, 'mallory').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).details).toEqual([{ field: 'name', reason: 'already exists' }]);
    expect((error as ConflictError).message).toContain('night');
    expect(await w.deps.scaling.getSchedule('c1', 'ng', 'night')).toMatchObject({ desiredSize: 2, createdBy: 'alice' });
  });

  it('a deployed schedule of that name eksflow does not store (the scheduler refuses it): 409, and nothing stored', async () => {
    // Prepare: the scheduler already holds a schedule of that name
    const w = world();
    const conflict = new ConflictError('schedule night already exists', {
      details: [{ field: 'name', reason: 'already exists' }],
    });
    const deps = { ...w.deps, scheduleDeployer: { deploy: jest.fn().mockRejectedValue(conflict), remove: jest.fn() } };

    // Act
    const error = await createSchedule(deps, target, body, 'mallory').catch((e: unknown) => e);

    // Assess: the existing deployed schedule is neither adopted nor removed
    expect(error).toBe(conflict);
    expect(await w.deps.scaling.getSchedule('c1', 'ng', 'night')).toBeUndefined();
    expect(deps.scheduleDeployer.remove).not.toHaveBeenCalled();
  });
});
