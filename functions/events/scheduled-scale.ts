import { z } from 'zod';
import { parseWith } from '../../core/kernel/parse';
import { fireSchedule } from '../../core/scaling/commands/fire-triggers';
import { wired } from '../container';
import { scalingPortsOf } from '../scaling-ports';

/** What each EventBridge Scheduler schedule sends (core/adapters/aws/eventbridge-scheduler.ts). */
const scheduledScaleSchema = z.object({
  cluster: z.string().min(1),
  nodegroup: z.string().min(1),
  schedule: z.string().min(1),
  /** The occurrence this delivery is for (Scheduler's <aws.scheduler.scheduled-time>). */
  scheduledTime: z.iso.datetime({ offset: true }),
});

export const ports = wired(scalingPortsOf);

/** A schedule's occurrence: set the node group to the schedule's sizes (once per occurrence). */
export async function main(event: unknown) {
  const input = parseWith(scheduledScaleSchema, event, 'scheduled scale event');
  const occurrence = new Date(input.scheduledTime).toISOString();
  return fireSchedule(ports(), input, occurrence);
}
