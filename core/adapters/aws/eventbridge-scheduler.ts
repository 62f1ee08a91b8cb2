import { createHash } from 'node:crypto';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  SchedulerClient,
  type SchedulerClientConfig,
} from '@aws-sdk/client-scheduler';
import { ConflictError } from '../../kernel/errors';
import type { ScalingSchedule } from '../../scaling/domain/records';
import type { ScheduleDeployer } from '../../scaling/ports/schedule-deployer';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';

/** EventBridge Scheduler's limit on a schedule name. */
const MAX_SCHEDULE_NAME = 64;

/**
 * A throttled or failed invocation is retried by Scheduler (with its own backoff) for up to an hour: the
 * function recognises a late or repeated occurrence by its scheduled time. After that it lands in the DLQ.
 */
const TARGET_RETRY_POLICY = { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 };

export interface SchedulerTarget {
  /** The scaling function the schedule invokes (functions/events/scheduled-scale). */
  functionArn: string;
  /** The role EventBridge Scheduler assumes to invoke it (the only role eksflow may pass to it). */
  roleArn: string;
  /** Schedule group holding eksflow's schedules (the stack's own, never the account's default). */
  groupName: string;
  /** Queue for occurrences Scheduler could not deliver after its retries. */
  deadLetterArn?: string;
}

/** The deployer with its own client: the wiring requires this module on first use, client included. */
export function eventBridgeScheduleDeployer(target: SchedulerTarget, config: SchedulerClientConfig): ScheduleDeployer {
  return new EventBridgeScheduleDeployer(target, new SchedulerClient(config));
}

/** One EventBridge Scheduler schedule per eksflow schedule, invoking the scaling function with its key. */
export class EventBridgeScheduleDeployer implements ScheduleDeployer {
  constructor(
    private readonly target: SchedulerTarget,
    private readonly scheduler: SchedulerClient = new SchedulerClient({ ...SDK_RETRY_OFF }),
  ) {}

  async deploy(schedule: ScalingSchedule): Promise<void> {
    try {
      await awsCall('Scheduler CreateSchedule', () =>
        this.scheduler.send(
          new CreateScheduleCommand({
            Name: deployedScheduleName(schedule),
            GroupName: this.target.groupName,
            ScheduleExpression: schedule.schedule,
            ScheduleExpressionTimezone: schedule.timezone,
            StartDate: schedule.startDate ? new Date(schedule.startDate) : undefined,
            EndDate: schedule.endDate ? new Date(schedule.endDate) : undefined,
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: {
              Arn: this.target.functionArn,
              RoleArn: this.target.roleArn,
              RetryPolicy: TARGET_RETRY_POLICY,
              ...(this.target.deadLetterArn ? { DeadLetterConfig: { Arn: this.target.deadLetterArn } } : {}),
              Input: JSON.stringify({
                cluster: schedule.cluster,
                nodegroup: schedule.nodegroup,
                schedule: schedule.name,
                // Scheduler fills in the occurrence it fires for: a late or repeated delivery is recognised.
                scheduledTime: '<aws.scheduler.scheduled-time>',
              }),
            },
          }),
        ),
      );
    } catch (error) {
      // A schedule of that name already exists in the group: never adopted (whoever made it, its expression,
      // target and input are not this request's). createSchedule then removes the record it stored.
      if (awsErrorName(error) === 'ConflictException')
        throw new ConflictError(
          `schedule ${schedule.name} already exists on ${schedule.cluster}/${schedule.nodegroup} (EventBridge Scheduler ${deployedScheduleName(schedule)})`,
          { details: [{ field: 'name', reason: 'already exists' }], cause: error },
        );
      throw error;
    }
  }

  async remove(schedule: Pick<ScalingSchedule, 'cluster' | 'nodegroup' | 'name'>): Promise<void> {
    try {
      await awsCall('Scheduler DeleteSchedule', () =>
        this.scheduler.send(
          new DeleteScheduleCommand({ Name: deployedScheduleName(schedule), GroupName: this.target.groupName }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
}

/** `<cluster>.<ng>.<name>`, or a hash of it when longer than Scheduler allows (names stay unique). */
export function deployedScheduleName(s: Pick<ScalingSchedule, 'cluster' | 'nodegroup' | 'name'>): string {
  const full = `${s.cluster}.${s.nodegroup}.${s.name}`;
  if (full.length <= MAX_SCHEDULE_NAME) return full;
  return `eksflow-${createHash('sha256')
    .update(full)
    .digest('hex')
    .slice(0, MAX_SCHEDULE_NAME - 8)}`;
}
