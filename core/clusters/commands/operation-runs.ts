import { ConflictError, errorMessage } from '../../kernel/errors';
import { finished } from '../../operations/domain/operation';
import { type ClusterDeps, clusterLock } from '../cluster-deps';
import { publishOperationEnd, publishOperationTransition } from '../steps/operation-events';

/** Where a new run starts (workflows/provision-cluster.asl.json). */
export const FIRST_STATE = 'RequestControlPlane';

/** A 409 naming the running operation on the cluster (the store's lock catches a race past this check). */
export async function refuseWhileRunning(deps: ClusterDeps, cluster: string): Promise<void> {
  const running = (await deps.operations.listByCluster(cluster, 10)).find(
    (op) => op.status === 'Running' && op.lock === clusterLock(cluster),
  );
  if (running)
    throw new ConflictError(`operation ${running.id} (${running.kind}) is running on cluster ${cluster}`, {
      details: [{ field: 'operationId', reason: `${running.id} is running on cluster ${cluster}` }],
    });
}

/** Starts a workflow run; if it cannot start, the operation is marked failed (it would never move). */
export async function startRun(
  deps: ClusterDeps,
  workflow: 'provision-cluster' | 'delete-cluster',
  operationId: string,
  executionName: string,
  input: object,
): Promise<void> {
  try {
    await deps.workflows.start(workflow, executionName, input);
  } catch (error) {
    const failed = await deps.operations.update(operationId, (op) =>
      finished(op, { error: { code: 'WorkflowStartFailed', message: errorMessage(error) } }, deps.now()),
    );
    await publishOperationEnd(deps, failed);
    throw error;
  }
  // A first run, a retry and a resumed run each start: each run has its own Started (its eventId names the run).
  await publishOperationTransition(deps, await deps.operations.get(operationId), 'Started');
}
