import type { Context } from 'aws-lambda';
import { sweepRollouts } from '../../shared/use-cases/sweep-rollouts';
import { container } from '../container';
import { forInvocation } from '../invocation';

/** EventBridge schedule: re-judge the alarms of every active rollout and restart runs that ended (safety net). */
export async function main(event?: { id?: string }, context?: Context) {
  return sweepRollouts(forInvocation(container(), event?.id, context));
}
