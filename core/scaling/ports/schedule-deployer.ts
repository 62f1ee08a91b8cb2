import type { ScalingSchedule } from '../domain/records';

/** Where schedules run deployed (EventBridge Scheduler); the sandbox fires the stored ones itself. */
export interface ScheduleDeployer {
  /** Creates the deployed schedule; creating one that exists (a retried request) is not an error. */
  deploy(schedule: ScalingSchedule): Promise<void>;
  /** Deletes it; one already gone is not an error. */
  remove(schedule: Pick<ScalingSchedule, 'cluster' | 'nodegroup' | 'name'>): Promise<void>;
}
