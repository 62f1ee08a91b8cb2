import { randomUUID } from 'node:crypto';
import type { ClusterSpec } from '../domain/cluster';
import { finished, newOperation } from '../domain/operation';
import { ConflictError, errorMessage, ValidationError } from '../errors';
import type { ClusterApi } from '../ports/cluster-api';
import type { OperationStore } from '../ports/store';
import type { WorkflowStarter } from '../ports/workflows';
import { parseClusterSpec } from '../validation/cluster-spec';

export interface ProvisionClusterDeps {
  clusters: ClusterApi;
  operations: OperationStore;
  workflows: WorkflowStarter;
  clusterDefaults: { roleArn?: string; subnetIds?: string[] };
  clusterPollSeconds: number;
  now: () => Date;
  newId?: () => string;
}

/** What the provision-cluster workflow receives. */
export interface ProvisionClusterInput {
  operationId: string;
  spec: ClusterSpec;
  waitSeconds: number;
}

/**
 * POST /clusters: validate, refuse a name already taken, record the operation, start the workflow.
 * Nothing is created in AWS here; if the workflow cannot start, the operation is marked failed.
 */
export async function startProvisionCluster(deps: ProvisionClusterDeps, body: unknown) {
  const spec = parseClusterSpec(body, deps.clusterDefaults);
  // Deployed, eksflow may pass only the configured cluster role (iam:PassRole): say so now, not in a failed step.
  const allowedRole = deps.clusterDefaults.roleArn;
  if (allowedRole && spec.roleArn !== allowedRole) {
    throw ValidationError.forField(
      'roleArn',
      `must be the cluster role eksflow may pass (${allowedRole}); leave it out to use that role`,
    );
  }
  const existing = await deps.clusters.describeCluster(spec.name);
  if (existing)
    throw new ConflictError(`cluster ${spec.name} already exists (status ${existing.status})`, {
      details: [{ field: 'name', reason: 'a cluster with this name already exists' }],
    });

  const operationId = (deps.newId ?? randomUUID)();
  await deps.operations.create(newOperation(operationId, 'ProvisionCluster', spec.name, deps.now()));
  const input: ProvisionClusterInput = { operationId, spec, waitSeconds: deps.clusterPollSeconds };
  try {
    await deps.workflows.start('provision-cluster', operationId, input);
  } catch (error) {
    await deps.operations.update(operationId, (op) =>
      finished(op, { error: { code: 'WorkflowStartFailed', message: errorMessage(error) } }, deps.now()),
    );
    throw error;
  }
  return { operationId, cluster: { name: spec.name, status: 'CREATING' as const } };
}
