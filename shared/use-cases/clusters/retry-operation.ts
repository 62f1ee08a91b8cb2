import { type Operation, retried } from '../../domain/operation';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { ClusterDeps } from './cluster-deps';
import type { ProvisionClusterInput } from './provision-cluster';
import { failedStep } from './provision-cluster-steps';
import { FIRST_STATE, startRun } from './provision-cluster';

/**
 * POST /operations/{id}/retry: a failed provisioning runs again from the step that failed (a rolled-back one
 * from the start, as what it made is gone); a failed deletion runs its teardown again. Each run is its own
 * execution (`<id>-run-<n>`). A Failed operation can be retried, and so can a Running one whose run is gone
 * (the runtime crashed under it): it resumes at the first step it has not recorded. Otherwise a 409.
 */
export async function retryOperation(deps: ClusterDeps, id: string) {
  const operation = await deps.operations.get(id);
  if (!operation)
    throw new NotFoundError(`operation ${id} not found`, { details: [{ field: 'id', reason: 'no such operation' }] });
  if (operation.kind !== 'ProvisionCluster' && operation.kind !== 'DeleteCluster')
    throw ValidationError.forField('id', `a ${operation.kind} operation is not retried here`);
  const workflow = operation.kind === 'ProvisionCluster' ? 'provision-cluster' : 'delete-cluster';
  if (operation.status === 'Succeeded' || (operation.status === 'Running' && (await runIsAlive(deps, operation))))
    throw new ConflictError(
      `operation ${id} is ${operation.status}; only a Failed or abandoned operation can be retried`,
      {
        details: [{ field: 'id', reason: `is ${operation.status}` }],
      },
    );
  const resumeFrom =
    operation.rolledBack || operation.kind !== 'ProvisionCluster'
      ? undefined
      : (operation.error?.step ?? failedStep(operation));
  // Taking the lock again: a 409 naming the other operation if one started on the cluster meanwhile.
  const running = await deps.operations.update(id, (op) => {
    // Two retries at once: the second finds the run count moved on, and starts nothing.
    if ((op.runs ?? 1) !== (operation.runs ?? 1))
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
  const executionName = `${id}-run-${running.runs}`;
  await startRun(deps, workflow, id, executionName, input);
  return { operationId: id, status: running.status, resumeFrom: resumeFrom ?? 'start', run: running.runs };
}

/** The execution of the operation's latest run is still running (not lost with a crashed runtime). */
async function runIsAlive(deps: ClusterDeps, operation: Operation): Promise<boolean> {
  const runs = operation.runs ?? 1;
  const name = runs === 1 ? operation.id : `${operation.id}-run-${runs}`;
  const workflow = operation.kind === 'ProvisionCluster' ? 'provision-cluster' : 'delete-cluster';
  return (await deps.workflows.status(workflow, name)) === 'RUNNING';
}
