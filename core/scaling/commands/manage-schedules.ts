import { NotFoundError, ValidationError } from '../../kernel/errors';
import type { ScalingSchedule } from '../domain/records';
import { parseScheduleRequest } from '../requests/scaling-request';
import type { ScheduleDeps } from '../scaling-deps';
import { requireNodegroup } from './start-scale';

type Target = { cluster: string; nodegroup: string };

/** Stores the schedule, then deploys it (EventBridge Scheduler); a failed deploy leaves nothing stored. */
export async function createSchedule(
  deps: ScheduleDeps,
  target: Target,
  body: unknown,
  createdBy: string,
): Promise<ScalingSchedule> {
  const request = parseScheduleRequest(body);
  const group = await requireNodegroup(deps, target);
  // A schedule's sizes must be possible for the group: bounds it does not set are the group's.
  const min = request.minSize ?? group.sizes.minSize;
  const max = request.maxSize ?? group.sizes.maxSize;
  if (request.desiredSize !== undefined && (request.desiredSize < min || request.desiredSize > max))
    throw ValidationError.forField(
      'desiredSize',
      `desired size ${request.desiredSize} is outside minSize ${min} and maxSize ${max} (current sizes: min ${group.sizes.minSize}, desired ${group.sizes.desiredSize}, max ${group.sizes.maxSize})`,
    );
  const schedule: ScalingSchedule = {
    ...target,
    ...request,
    createdAt: deps.now().toISOString(),
    createdBy,
  };
  await deps.scaling.createSchedule(schedule);
  try {
    await deps.scheduleDeployer.deploy(schedule);
  } catch (error) {
    await deps.scaling.deleteSchedule(target.cluster, target.nodegroup, schedule.name);
    throw error;
  }
  return schedule;
}

export async function listSchedules(deps: ScheduleDeps, target: Target) {
  await requireNodegroup(deps, target);
  return { schedules: await deps.scaling.listSchedules(target.cluster, target.nodegroup) };
}

/** Removes the deployed schedule first: a stored one without it is visible and can be deleted again. */
export async function deleteSchedule(deps: ScheduleDeps, target: Target, name: string): Promise<void> {
  const schedule = await deps.scaling.getSchedule(target.cluster, target.nodegroup, name);
  if (!schedule)
    throw new NotFoundError(`schedule ${name} not found on ${target.cluster}/${target.nodegroup}`, {
      details: [{ field: 'schedule', reason: 'no such schedule' }],
    });
  await deps.scheduleDeployer.remove(schedule);
  await deps.scaling.deleteSchedule(target.cluster, target.nodegroup, name);
}
