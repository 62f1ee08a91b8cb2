import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { EventBridgeScheduleDeployer } from '../adapters/aws/eventbridge-scheduler';
import type { ScheduleDeployer } from '../scaling/ports/schedule-deployer';
import type { Container } from './container';
import { port, type WiringContext } from './context';

/** Schedules are only stored when no scheduler target is configured (the sandbox fires them itself). */
const STORED_ONLY: ScheduleDeployer = { deploy: async () => undefined, remove: async () => undefined };

export const scheduleDeployer = (ctx: WiringContext): Container['scheduleDeployer'] =>
  port(ctx, 'scheduleDeployer', () => {
    const target = ctx.config.schedulerTarget;
    return target ? new EventBridgeScheduleDeployer(target, new SchedulerClient(ctx.aws)) : STORED_ONLY;
  });
