import type { Context } from 'aws-lambda';
import { clusterDepsOf } from '../../core/composition-root';
import { resumeClusterOperations } from '../../core/clusters/commands/resume-cluster-operations';
import { sweepRollouts } from '../../core/rollouts/commands/sweep-rollouts';
import { container } from '../container';
import { forInvocation } from '../invocation';

/**
 * EventBridge schedule: provisionings and deletions whose run is gone are resumed from their step, then the
 * alarms of every active rollout are re-judged and rollout runs that ended are restarted (safety nets).
 */
export async function main(event?: { id?: string }, context?: Context) {
  const deps = forInvocation(container(), event?.id, context);
  // First, and never throwing: a rollout the sweep cannot handle must not keep a cluster operation abandoned.
  const clusterOperations = await resumeClusterOperations(
    { ...clusterDepsOf(deps), logger: deps.logger },
    deps.config.abandonedRunGraceSeconds,
  );
  return { ...(await sweepRollouts(deps)), clusterOperations };
}
