import { ConflictError, ValidationError } from '../../kernel/errors';
import { type Operation, retried, runOf } from '../../operations/domain/operation';
import { runName } from '../../operations/domain/work';
import { operationNotFound, WORKFLOW_OF_KIND } from '../../operations/queries/get-operation';
import type { ClusterDeps } from '../cluster-deps';
import { failedStep } from '../steps/provision-cluster-steps';
import { FIRST_STATE, startRun } from './operation-runs';
import type { ProvisionClusterInput } from './provision-cluster';

/** The operation kinds a retry (or the sweep) runs again, and their workflows. */
const { ProvisionCluster, DeleteCluster } = WORKFLOW_OF_KIND;
export const WORKFLOW_OF = { ProvisionCluster, DeleteCluster };
export type ClusterOperationKind = keyof typeof WORKFLOW_OF;

export function isClusterOperation(operation: Operation): operation is Operation & { kind: ClusterOperationKind } {
  return operation.kind in WORKFLOW_OF;
}

/**
 * POST /operations/{id}/retry: a failed provisioning runs again from the step that failed (a rolled-back one
 * from the start, as what it made is gone); a failed deletion runs its teardown again. Each run is its own
 * execution (`runName`: `<id>-run-<n>`). A Failed operation can be retried, and so can a Running one whose run is gone
 * (the runtime crashed under it): it resumes at the first step it has not recorded. Otherwise a 409.
 */
export async function retryOperation(deps: ClusterDeps, id: string) {
  const operation = await deps.operations.get(id);
  if (!operation) throw operationNotFound(id);
  if (!isClusterOperation(operation))
    throw ValidationError.forField('id', `a ${operation.kind} operation is not retried here`);
  if (
    operation.status === 'Succeeded' ||
    (operation.status === 'Running' && (await runState(deps, operation)) === 'RUNNING')
  )
    throw new ConflictError(
      `operation ${id} is ${operation.status}; only a Failed or abandoned operation can be retried`,
      {
        details: [{ field: 'id', reason: `is ${operation.status}` }],
      },
    );
  return startNextRun(deps, operation);
}

/**
 * A new run of a Failed or abandoned operation, from where it stopped. Two callers at once (a retry and the
 * sweep): the second finds the run count moved on, gets a ConflictError, and starts nothing.
 */
export async function startNextRun(deps: ClusterDeps, operation: Operation & { kind: ClusterOperationKind }) {
  const { id } = operation;
  const workflow = WORKFLOW_OF[operation.kind];
  const resumeFrom =
    operation.rolledBack || operation.kind !== 'ProvisionCluster'
      ? undefined
      : (operation.error?.step ?? failedStep(operation));
  // Taking the lock again: a 409 naming the other operation if one started on the cluster meanwhile.
  const running = await deps.operations.update(id, (op) => {
    if (runOf(op) !== runOf(operation))
      throw new ConflictError(`operation ${id} was retried meanwhile`, {
        details: [{ field: 'id', reason: 'retried meanwhile' }],
      });
    const again = retried(op, deps.now());
    // After a rollback nothing of the first run is left: its steps and creations start over.
    return op.rolledBack ? { ...again, steps: [], created: [] } : again;
  });
  const base = operation.input as ProvisionClusterInput;
  const input = {
    ...base,
    ...(operation.kind === 'ProvisionCluster' ? { resumeFrom: resumeFrom ?? FIRST_STATE } : {}),
  };
  await startRun(deps, workflow, id, runName(id, runOf(running)), input);
  return { operationId: id, status: running.status, resumeFrom: resumeFrom ?? 'start', run: running.runs };
}

/** The state of the execution of the operation's latest run (NOT_FOUND: lost with a crashed runtime, or not yet started). */
async function runState(deps: ClusterDeps, operation: Operation & { kind: ClusterOperationKind }) {
  return deps.workflows.status(WORKFLOW_OF[operation.kind], runName(operation.id, runOf(operation)));
}
