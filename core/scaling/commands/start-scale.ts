import { randomUUID } from 'node:crypto';
import { ConflictError, errorMessage, NotFoundError, ValidationError } from '../../kernel/errors';
import { finished, newOperation, type Operation, withStep } from '../../operations/domain/operation';
import { LockHeldError } from '../../operations/domain/operation-locks';
import { runName } from '../../operations/domain/work';
import { type Adjustment, adjustedSizes } from '../domain/adjustment';
import { allocatableOf } from '../domain/allocatable';
import { desiredToFit, type NodeShape, nodesNeeded } from '../domain/fit-pending-pods';
import { isScaleIn, nodegroupLock, requesterOf, type ScaleRecord, type ScaleTrigger } from '../domain/records';
import {
  clampDesired,
  describeSizes,
  type NodegroupSizes,
  requestedSizes,
  type SizeRequest,
  sameSizes,
} from '../domain/sizes';
import type { NodegroupInfo } from '../ports/nodegroups';
import type { ScalingDeps } from '../scaling-deps';

/** What the scale-nodegroup workflow receives. */
export interface ScaleWorkflowInput {
  operationId: string;
  cluster: string;
  nodegroup: string;
  waitSeconds: number;
}

/** First wait for an update: EKS scaling updates take tens of seconds to minutes; the wait then doubles. */
export const FIRST_UPDATE_WAIT_SECONDS = 1;

export interface NodegroupTarget {
  cluster: string;
  nodegroup: string;
}

/**
 * How a change is asked for. A person's request that leaves the bounds is refused (4xx); automation
 * (schedules, policies) clamps to the bounds, and skips a change that changes nothing.
 */
export type ScaleAsk =
  | { by: 'request'; request: SizeRequest; protectPending?: boolean }
  | { by: 'automation'; request: SizeRequest }
  | { by: 'adjustment'; adjustment: Adjustment };

export type ScaleStart =
  | { started: true; operationId: string; from: NodegroupSizes; to: NodegroupSizes }
  | { started: false; reason: string; heldBy?: string };

/**
 * Starts one change of a node group: reads the group, computes the target sizes, records the operation, which
 * takes the group's lock in the same write (one change at a time), and starts the workflow that waits for the
 * update. A second change while one runs is a 409 naming the running operation (`automation` gets `heldBy`);
 * the lock goes with the write that ends the operation.
 */
export async function startScale(
  deps: ScalingDeps,
  target: NodegroupTarget,
  ask: ScaleAsk,
  trigger: ScaleTrigger,
): Promise<ScaleStart> {
  const group = await requireNodegroup(deps, target);
  const lock = nodegroupLock(target.cluster, target.nodegroup);
  // Before planning: automation that finds a change in flight waits for it (the group reads UPDATING meanwhile).
  const holder = await deps.operations.lockHolder(lock);
  if (holder) return refused(target, ask, holder);
  const planned = await plannedChange(deps, target, group, ask, trigger);
  if ('unchangedAt' in planned) return { started: false, reason: `already at ${describeSizes(planned.unchangedAt)}` };
  const operationId = (deps.newId ?? randomUUID)();
  try {
    await createOperation(deps, target, operationId, planned, lock);
  } catch (error) {
    // Another change took the lock since it was read: the create wrote nothing.
    if (error instanceof LockHeldError) return refused(target, ask, error.holder);
    throw error;
  }
  await startWorkflow(deps, target, operationId);
  return { started: true, operationId, from: planned.from, to: planned.to };
}

/** A change in flight: a person's request is a 409 naming it; automation is told who holds the group. */
function refused(target: NodegroupTarget, ask: ScaleAsk, holder: string): ScaleStart {
  if (ask.by === 'request')
    throw new ConflictError(
      `node group ${target.cluster}/${target.nodegroup} is being changed by operation ${holder}`,
      {
        details: [{ field: 'nodegroup', reason: `operation ${holder} is changing it` }],
      },
    );
  return { started: false, reason: `operation ${holder} is changing it`, heldBy: holder };
}

/**
 * What the change will be, from the group as it is now (a change that ended left the sizes to start from; one in
 * flight leaves it UPDATING, a 409); `unchangedAt` when automation would change nothing.
 */
async function plannedChange(
  deps: ScalingDeps,
  target: NodegroupTarget,
  described: NodegroupInfo,
  ask: ScaleAsk,
  trigger: ScaleTrigger,
): Promise<ScaleRecord | { unchangedAt: NodegroupSizes }> {
  const current = (await deps.nodegroups.describeNodegroup(target.cluster, target.nodegroup)) ?? described;
  if (current.status !== 'ACTIVE')
    throw new ConflictError(`node group ${target.cluster}/${target.nodegroup} is ${current.status}`, {
      details: [{ field: 'nodegroup', reason: `is ${current.status}, not ACTIVE` }],
    });
  const { to, fittingPods } = await targetSizes(deps, current, ask);
  if (ask.by !== 'request' && sameSizes(current.sizes, to)) return { unchangedAt: to };
  if (ask.by === 'request' && ask.protectPending && isScaleIn({ from: current.sizes, to }))
    await refuseWhilePending(deps, current);
  return {
    nodegroup: target.nodegroup,
    trigger,
    requestedBy: requesterOf(trigger),
    from: current.sizes,
    to,
    ...(fittingPods ? { fittingPods } : {}),
  };
}

/** POST …/scale: a person's request either starts a change or is refused with a 4xx (never skipped). */
export async function requestScale(
  deps: ScalingDeps,
  target: NodegroupTarget,
  request: SizeRequest,
  options: { protectPending: boolean; principal: string },
): Promise<{ operationId: string; from: NodegroupSizes; to: NodegroupSizes }> {
  const result = await startScale(
    deps,
    target,
    { by: 'request', request, protectPending: options.protectPending },
    { kind: 'api', principal: options.principal },
  );
  // startScale skips only for automation; a request that was not started was refused by a throw.
  if (!result.started) throw new ConflictError(`not started: ${result.reason}`);
  return { operationId: result.operationId, from: result.from, to: result.to };
}

/** 404 naming `cluster` or `nodegroup`, whichever EKS does not know. */
export async function requireNodegroup(deps: ScalingDeps, target: NodegroupTarget): Promise<NodegroupInfo> {
  const group = await deps.nodegroups.describeNodegroup(target.cluster, target.nodegroup);
  if (group) return group;
  if (!(await deps.clusters.describeCluster(target.cluster)))
    throw new NotFoundError(`cluster ${target.cluster} not found`, {
      details: [{ field: 'cluster', reason: 'no such EKS cluster' }],
    });
  throw new NotFoundError(`node group ${target.nodegroup} not found in cluster ${target.cluster}`, {
    details: [{ field: 'nodegroup', reason: 'no such node group' }],
  });
}

async function targetSizes(
  deps: ScalingDeps,
  group: NodegroupInfo,
  ask: ScaleAsk,
): Promise<{ to: NodegroupSizes; fittingPods?: string[] }> {
  if (ask.by === 'adjustment') {
    if (ask.adjustment.type !== 'fitPendingPods') return { to: adjustedSizes(group.sizes, ask.adjustment) };
    return fitPendingPods(deps, group, group.sizes);
  }
  const { request } = ask;
  if (ask.by === 'automation') {
    const bounds = {
      minSize: request.minSize ?? group.sizes.minSize,
      maxSize: request.maxSize ?? group.sizes.maxSize,
      desiredSize: group.sizes.desiredSize,
    };
    if (bounds.minSize > bounds.maxSize) bounds.maxSize = bounds.minSize; // a schedule raising min past max
    if (request.kind === 'fitPendingPods') return fitPendingPods(deps, group, clampDesired(bounds, bounds.desiredSize));
    const wanted =
      request.kind === 'desired'
        ? request.desiredSize
        : request.kind === 'delta'
          ? bounds.desiredSize + request.delta
          : bounds.desiredSize;
    return { to: clampDesired(bounds, wanted) };
  }
  const decision = requestedSizes(group.sizes, request);
  if (!decision.ok)
    throw new ValidationError(`${decision.violation.field}: ${decision.violation.reason}`, [decision.violation]);
  if (request.kind === 'fitPendingPods') return fitPendingPods(deps, group, decision.sizes);
  return { to: decision.sizes };
}

/** Raises the desired size to fit the Pending pods a new node of the group could host; never lowers it. */
async function fitPendingPods(deps: ScalingDeps, group: NodegroupInfo, sizes: NodegroupSizes) {
  const { nodes, fitting } = await pendingForGroup(deps, group);
  return { to: { ...sizes, desiredSize: desiredToFit(sizes, nodes) }, fittingPods: fitting };
}

/** The Pending pods a new node of the group would take, and how many nodes they need. */
async function pendingForGroup(deps: ScalingDeps, group: NodegroupInfo) {
  const pods = await deps.nodegroupPods.pendingPods(group.cluster);
  const shape: NodeShape = {
    labels: { ...group.labels, 'eks.amazonaws.com/nodegroup': group.name },
    taints: group.taints,
    allocatable: allocatableOf(group.instanceTypes),
  };
  return nodesNeeded(pods, shape);
}

/** protectPending: no scale-in while pods that this group could host are Pending (they need its capacity). */
async function refuseWhilePending(deps: ScalingDeps, group: NodegroupInfo): Promise<void> {
  const { fitting } = await pendingForGroup(deps, group);
  if (fitting.length > 0)
    throw new ConflictError(`${fitting.length} pods the node group could host are Pending: scale-in refused`, {
      details: [
        {
          field: 'protectPending',
          reason: `${fitting.length} pods this node group could host are Pending, e.g. ${fitting[0]}`,
        },
      ],
    });
}

async function createOperation(
  deps: ScalingDeps,
  target: NodegroupTarget,
  id: string,
  record: ScaleRecord,
  lock: string,
) {
  const now = deps.now();
  const op: Operation = withStep(
    { ...newOperation(id, 'ScaleNodegroup', target.cluster, now), lock, scale: record },
    {
      name: 'Requested',
      at: now.toISOString(),
      detail: `${record.requestedBy}: ${describeSizes(record.from)} → ${describeSizes(record.to)}`,
    },
  );
  await deps.operations.create(op);
  await deps.scaling.addRecentOperation(target.cluster, target.nodegroup, id, now.toISOString());
}

async function startWorkflow(deps: ScalingDeps, target: NodegroupTarget, operationId: string): Promise<void> {
  const input: ScaleWorkflowInput = {
    operationId,
    cluster: target.cluster,
    nodegroup: target.nodegroup,
    waitSeconds: FIRST_UPDATE_WAIT_SECONDS,
  };
  try {
    await deps.workflows.start('scale-nodegroup', runName(operationId, 1), input);
  } catch (error) {
    await deps.operations.update(operationId, (op) =>
      finished(op, { error: { code: 'WorkflowStartFailed', message: errorMessage(error) } }, deps.now()),
    );
    // The end released the lock; what waited for it is dropped (starting it would meet the same failure).
    await deps.scaling.takeWaiting(target.cluster, target.nodegroup);
    throw error;
  }
}
