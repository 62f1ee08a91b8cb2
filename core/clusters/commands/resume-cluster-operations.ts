import { errorMessage } from '../../kernel/errors';
import type { Logger } from '../../kernel/logger';
import type { ClusterDeps } from '../cluster-deps';
import { isClusterOperation, runState, startNextRun } from './retry-operation';

/**
 * An operation whose run was never found may be one whose first run is being started right now (the API records
 * the operation, then starts the run): left alone until it has been quiet this long. One whose run has ended
 * while it still says Running is resumed at once.
 */
export const ABANDONED_RUN_GRACE_SECONDS = 30;

export interface ResumeOutcome {
  /** Running provisionings and deletions looked at (the holders of cluster locks). */
  checked: number;
  /** Their run was gone: a new run resumes each from its step. */
  resumed: string[];
}

/**
 * The sweep's safety net for cluster lifecycle: a provisioning or deletion still Running whose workflow run is
 * no longer running (the runtime died under it, an execution was lost) gets a new run from its first unrecorded
 * step, as `POST /operations/{id}/retry` would give it. The running ones are the holders of the per-cluster
 * locks. One that cannot be resumed is logged and left for the next sweep; it does not stop the others.
 */
export async function resumeClusterOperations(
  deps: ClusterDeps & { logger: Logger },
  graceSeconds = ABANDONED_RUN_GRACE_SECONDS,
): Promise<ResumeOutcome> {
  const outcome: ResumeOutcome = { checked: 0, resumed: [] };
  for (const lock of await deps.operations.heldLocks('cluster:')) {
    try {
      const operation = await deps.operations.get(lock.operationId);
      if (operation?.status !== 'Running' || !isClusterOperation(operation)) continue;
      outcome.checked++;
      const state = await runState(deps, operation);
      if (state === 'RUNNING') continue;
      const quietSeconds = (deps.now().getTime() - Date.parse(operation.updatedAt)) / 1000;
      if (state === 'NOT_FOUND' && quietSeconds < graceSeconds) continue;
      await startNextRun(deps, operation);
      outcome.resumed.push(operation.id);
    } catch (error) {
      deps.logger.warn('could not resume a cluster operation', { ...lock, error: errorMessage(error) });
    }
  }
  return outcome;
}
