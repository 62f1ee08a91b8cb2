import { retried } from '../../domain/operation';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { ClusterDeps } from './cluster-deps';
import type { ProvisionClusterInput } from './provision-cluster';
import { failedStep } from './provision-cluster-steps';
import { FIRST_STATE, startRun } from './provision-cluster';

/**
 * POST /operations/{id}/retry: a failed provisioning runs again from the step that failed (a rolled-back one
 * from the start, as what it made is gone); a failed deletion runs its teardown again. Each run is its own
 * execution (`<id>-run-<n>`). Only a Failed operation can be retried: a 409 says why not otherwise.
 */
export async function retryOperation(deps: ClusterDeps, id: string) {
  const operation = await deps.operations.get(id);
  if (!operation)
    throw new NotFoundError(`operation ${id} not found`, { details: [{ field: 'id', reason: 'no such operation' }] });
  if (operation.status !== 'Failed')
    throw new ConflictError(`operation ${id} is ${operation.status}; only a Failed operation can be retried`, {
      details: [{ field: 'id', reason: `is ${operation.status}` }],
    });
  if (operation.kind !== 'ProvisionCluster' && operation.kind !== 'DeleteCluster')
    throw ValidationError.forField('id', `a ${operation.kind} operation is not retried here`);
  const resumeFrom =
    operation.rolledBack || operation.kind !== 'ProvisionCluster'
      ? undefined
      : (operation.error?.step ?? failedStep(operation));
  // Taking the lock again: a 409 naming the other operation if one started on the cluster meanwhile.
  const running = await deps.operations.update(id, (op) => {
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
  await startRun(
    deps,
    operation.kind === 'ProvisionCluster' ? 'provision-cluster' : 'delete-cluster',
    id,
    executionName,
    input,
  );
  return { operationId: id, status: running.status, resumeFrom: resumeFrom ?? 'start', run: running.runs };
}
