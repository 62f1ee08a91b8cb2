import type { ScheduleDeployer } from '../scaling/ports/schedule-deployer';
import type { Container } from './container';
import { port, type WiringContext } from './context';

/** Schedules are only stored when no scheduler target is configured (the sandbox fires them itself). */
const STORED_ONLY: ScheduleDeployer = { deploy: async () => undefined, remove: async () => undefined };

export const scheduleDeployer = (ctx: WiringContext): Container['scheduleDeployer'] =>
  port(ctx, 'scheduleDeployer', () => {
    const target = ctx.config.schedulerTarget;
    return target ? schedulerAdapter().eventBridgeScheduleDeployer(target, ctx.aws) : STORED_ONLY;
  });

/**
 * The EventBridge Scheduler adapter and its SDK client, required on first use: only the schedule routes deploy
 * a schedule, and the API should not parse that code at every cold start. In the packaged bundles it is a file
 * of its own beside the bundle (deploy/esbuild/plugins.cjs).
 */
function schedulerAdapter(): typeof import('../adapters/aws/eventbridge-scheduler') {
  return require('../adapters/aws/eventbridge-scheduler');
}
