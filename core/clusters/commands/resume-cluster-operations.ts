import type { Logger } from '../../kernel/logger';
import { resumeAbandonedWork, type WorkKind } from '../../operations/commands/resume-work';
import { type Operation, operationWork } from '../../operations/domain/operation';
import type { HeldLock } from '../../operations/domain/work';
import type { ClusterDeps } from '../cluster-deps';
import { type ClusterOperationKind, isClusterOperation, startNextRun, WORKFLOW_OF } from './retry-operation';

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
 * The cluster lifecycle as a kind of work for the one resume sweep: a provisioning or deletion still Running whose
 * workflow run is no longer running gets a new run from its first unrecorded step, as `POST /operations/{id}/retry`
 * would give it. The running ones are the holders of the per-cluster locks, which their ending write releases:
 * nothing to break here.
 */
export function clusterWork(
  deps: ClusterDeps,
  graceSeconds: number,
): WorkKind<Operation & { kind: ClusterOperationKind }, HeldLock> {
  return {
    label: 'a cluster operation',
    naming: 'operation',
    workflow: (operation) => WORKFLOW_OF[operation.kind],
    locks: async () =>
      (await deps.operations.heldLocks('cluster:')).map((lock) => ({ key: lock.key, holder: lock.operationId })),
    read: async (lock) => {
      const operation = await deps.operations.get(lock.holder);
      return operation && isClusterOperation(operation) ? operation : undefined;
    },
    header: operationWork,
    quietSince: (_lock, operation) => operation.updatedAt,
    graceSeconds,
    graceOn: ['NOT_FOUND'],
    resume: async (operation) => {
      await startNextRun(deps, operation);
    },
  };
}

/** The sweep over cluster operations (see clusterWork). */
export async function resumeClusterOperations(
  deps: ClusterDeps & { logger: Logger },
  graceSeconds = ABANDONED_RUN_GRACE_SECONDS,
): Promise<ResumeOutcome> {
  const { checked, resumed } = await resumeAbandonedWork(deps, clusterWork(deps, graceSeconds));
  return { checked, resumed };
}
