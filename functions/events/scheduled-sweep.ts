import type { Context } from 'aws-lambda';
import { resumeClusterOperations } from '../../core/clusters/commands/resume-cluster-operations';
import { sweepRollouts } from '../../core/rollouts/commands/sweep-rollouts';
import { metrics, sleep } from '../../core/wiring/context';
import { clusterDepsOf } from '../../core/wiring/deps-of';
import { rolloutStore } from '../../core/wiring/dynamodb';
import { baseline } from '../../core/wiring/eks';
import { wired } from '../container';
import { forInvocation } from '../invocation';
import { scalingPortsOf } from '../scaling-ports';
import { rolloutPassPortsOf } from '../tasks/rollout/ports';

/** Cluster operations it resumes, rollouts it re-judges and restarts. */
export const ports = wired((w) => ({
  ...scalingPortsOf(w),
  config: w.config,
  baseline: baseline(w),
  kubeAccess: w.config.kubeAccess,
  rollouts: rolloutStore(w),
  ...rolloutPassPortsOf(w),
  metrics: metrics(w),
  sleep: sleep(w),
}));

/**
 * EventBridge schedule: provisionings and deletions whose run is gone are resumed from their step, then the
 * alarms of every active rollout are re-judged and rollout runs that ended are restarted (safety nets).
 */
export async function main(event?: { id?: string }, context?: Context) {
  const deps = forInvocation(ports(), event?.id, context);
  // First, and never throwing: a rollout the sweep cannot handle must not keep a cluster operation abandoned.
  const clusterOperations = await resumeClusterOperations(
    { ...clusterDepsOf(deps), logger: deps.logger },
    deps.config.abandonedRunGraceSeconds,
  );
  return { ...(await sweepRollouts(deps)), clusterOperations };
}
