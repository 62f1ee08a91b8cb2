import { latestOccurrence, parseScheduleExpression } from '../domain/schedule-expression';
import type { ScalingDeps } from '../scaling-deps';

/** The schedules whose latest occurrence up to `now` has not fired yet, with that occurrence (the sandbox). */
export async function dueSchedules(deps: ScalingDeps, now: Date) {
  const due: { cluster: string; nodegroup: string; schedule: string; occurrence: string }[] = [];
  for (const s of await deps.scaling.allSchedules()) {
    const parsed = parseScheduleExpression(s.schedule);
    if (!parsed.ok) continue;
    const at = latestOccurrence(parsed.expression, {
      after: new Date(s.lastOccurrence ?? s.createdAt),
      upTo: now,
      timezone: s.timezone,
      start: s.startDate ? new Date(s.startDate) : undefined,
      end: s.endDate ? new Date(s.endDate) : undefined,
    });
    if (at) due.push({ cluster: s.cluster, nodegroup: s.nodegroup, schedule: s.name, occurrence: at.toISOString() });
  }
  return due;
}
