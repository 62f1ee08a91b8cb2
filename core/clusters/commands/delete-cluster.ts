import { randomUUID } from 'node:crypto';
import { type CaughtError, causeMessage } from '../../kernel/caught-error';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import { finished, newOperation, withStep } from '../../operations/domain/operation';
import { runName } from '../../operations/domain/work';
import {
  type ClusterDeps,
  type ClusterStepDeps,
  clusterLock,
  type OperationEndDeps,
  POLL_CEILING_SECONDS,
} from '../cluster-deps';
import { isManaged, nextPollSeconds } from '../domain/cluster';
import { type PlanItem, planDelete } from '../domain/plan';
import { observeCluster } from '../steps/observe-cluster';
import { publishOperationEnd } from '../steps/operation-events';
import type { WaitCheck } from '../steps/provision-cluster-steps';
import { teardownStep } from '../steps/teardown';
import { refuseWhileRunning, startRun } from './operation-runs';

/** What the delete-cluster workflow receives. */
export interface DeleteClusterInput {
  operationId: string;
  cluster: string;
  waitSeconds: number;
  check?: WaitCheck;
  error?: CaughtError;
}

/** Operation kinds that change a cluster's node groups: a delete under them would fight them. */
const SCALING_KINDS = ['ScaleNodegroup', 'scale'];

export type DeleteAnswer =
  | { status: 200; body: { plan: PlanItem[] } }
  | { status: 202; body: { operationId: string; plan: PlanItem[] } };

/**
 * DELETE /clusters/{name}: only a cluster eksflow created; refused (409) while a rollout or a scaling
 * operation is active on it, unless `force`. Safe to repeat: a second delete while one runs is a 409 naming it.
 */
export async function startDeleteCluster(
  deps: ClusterDeps,
  name: string,
  options: { force?: boolean; dryRun?: boolean } = {},
): Promise<DeleteAnswer> {
  const observed = await observeCluster(deps.clusters, name);
  if (!observed.controlPlane)
    throw new NotFoundError(`cluster ${name} not found`, { details: [{ field: 'name', reason: 'no such cluster' }] });
  if (!isManaged(observed.controlPlane))
    throw new ConflictError(`cluster ${name} was not created by eksflow; eksflow deletes only its own clusters`, {
      details: [{ field: 'name', reason: 'not tagged eksflow:managed=true' }],
    });
  const plan = planDelete(name, observed);
  if (options.dryRun) return { status: 200, body: { plan } };
  if (!options.force) await refuseWhileWorkIsActive(deps, name);
  await refuseWhileRunning(deps, name);
  const operationId = (deps.newId ?? randomUUID)();
  const input: DeleteClusterInput = { operationId, cluster: name, waitSeconds: deps.clusterPollSeconds };
  await deps.operations.create({
    ...newOperation(operationId, 'DeleteCluster', name, deps.now()),
    lock: clusterLock(name),
    plan,
    runs: 1,
    input,
  });
  await startRun(deps, 'delete-cluster', operationId, runName(operationId, 1), input);
  return { status: 202, body: { operationId, plan } };
}

async function refuseWhileWorkIsActive(deps: ClusterDeps, name: string): Promise<void> {
  const rollout = (await deps.rollouts.listActive()).find((r) => r.cluster === name);
  if (rollout)
    throw new ConflictError(`rollout ${rollout.id} is active on cluster ${name}; pass force=true to delete anyway`, {
      details: [{ field: 'rolloutId', reason: `${rollout.id} is ${rollout.status}` }],
    });
  const scaling = (await deps.operations.listByCluster(name, 20)).find(
    (op) => op.status === 'Running' && SCALING_KINDS.includes(op.kind),
  );
  if (scaling)
    throw new ConflictError(
      `operation ${scaling.id} (${scaling.kind}) is running on cluster ${name}; pass force=true to delete anyway`,
      {
        details: [{ field: 'operationId', reason: `${scaling.id} is running` }],
      },
    );
}

/** One teardown pass of the delete workflow. */
export async function deleteClusterStep(deps: ClusterStepDeps, input: DeleteClusterInput): Promise<WaitCheck> {
  const { done } = await teardownStep(deps, input.cluster);
  if (done) await completeDelete(deps, input);
  const ceiling = deps.clusterPollCeilingSeconds ?? POLL_CEILING_SECONDS;
  const waitSeconds = input.check ? nextPollSeconds(input.check.waitSeconds, ceiling) : input.waitSeconds;
  return { ready: done, status: done ? 'DELETED' : 'DELETING', waitSeconds };
}

export async function completeDelete(deps: OperationEndDeps, input: DeleteClusterInput): Promise<void> {
  const at = deps.now();
  const done = await deps.operations.update(input.operationId, (op) =>
    finished(withStep(op, { name: 'Deleted', at: at.toISOString() }), {}, at),
  );
  await publishOperationEnd(deps, done);
}

export async function failDelete(deps: OperationEndDeps, input: DeleteClusterInput): Promise<void> {
  const failed = await deps.operations.update(input.operationId, (op) =>
    finished(
      op,
      { error: { code: input.error?.Error ?? 'Error', message: causeMessage(input.error), step: 'DeleteCluster' } },
      deps.now(),
    ),
  );
  await publishOperationEnd(deps, failed);
}
