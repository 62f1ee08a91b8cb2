import { nextPollSeconds } from '../../clusters/domain/cluster';
import { type CaughtError, causeMessage } from '../../kernel/caught-error';
import { DependencyError, errorMessage } from '../../kernel/errors';
import { finished, type Operation, runOf, withStep } from '../../operations/domain/operation';
import { fireWaitingTriggers } from '../commands/fire-triggers';
import type { ScaleWorkflowInput } from '../commands/start-scale';
import { isScaleIn, type ScaleRecord } from '../domain/records';
import { describeSizes, sameSizes } from '../domain/sizes';
import type { ScalingDeps } from '../scaling-deps';

/**
 * The scale-nodegroup workflow's tasks. Each is safe to run twice: the update id is recorded once, a
 * repeated apply finds it (or finds the group already updating to the target after a crash between
 * the call and the record), and completion releases the lock only for its own operation.
 */

/** Waits grow up to this ceiling: a scaling update takes a minute or a few; a tight poll burns transitions. */
const UPDATE_POLL_CEILING_SECONDS = 60;

export interface ScaleCheck {
  done: boolean;
  waitSeconds: number;
}

export async function applyScaling(deps: ScalingDeps, input: ScaleWorkflowInput): Promise<ScaleCheck> {
  const op = await scaleOperation(deps, input.operationId);
  const record = op.scale as ScaleRecord;
  const next = { done: false, waitSeconds: input.waitSeconds };
  if (op.steps.some((s) => s.name === 'UpdateRequested')) return next; // a repeated task: already requested
  const group = await deps.nodegroups.describeNodegroup(input.cluster, input.nodegroup);
  if (!group) throw new DependencyError(`node group ${input.cluster}/${input.nodegroup} disappeared`);
  if (sameSizes(group.sizes, record.to)) {
    // Either nothing to change, or our own earlier call went through and the record of it was lost (a crash).
    const detail = group.status === 'UPDATING' ? 'found the update in progress' : 'already at the target sizes';
    await recordStep(deps, input.operationId, 'UpdateRequested', detail);
    return { done: group.status !== 'UPDATING', waitSeconds: input.waitSeconds };
  }
  // Best effort, as the bus publisher is (a failure is logged); a repeated apply publishes again.
  await publishTransition(deps, op, 'Started');
  if (isScaleIn(record) && !record.podsPerNodeBefore) {
    const podsPerNodeBefore = await podsPerNodeOrNothing(deps, input);
    await deps.operations.update(input.operationId, (o) => ({
      ...o,
      scale: { ...(o.scale as ScaleRecord), podsPerNodeBefore },
    }));
  }
  // The operation id is the client request token: a retried call after a lost answer is the same update.
  const { updateId } = await deps.nodegroups.updateScaling(
    input.cluster,
    input.nodegroup,
    record.to,
    input.operationId,
  );
  await deps.operations.update(input.operationId, (o) =>
    withStep(
      { ...o, scale: { ...(o.scale as ScaleRecord), updateId } },
      step(deps, 'UpdateRequested', `update ${updateId}: ${describeSizes(record.to)}`),
    ),
  );
  return next;
}

export async function checkScaling(deps: ScalingDeps, input: ScaleWorkflowInput): Promise<ScaleCheck> {
  const op = await scaleOperation(deps, input.operationId);
  const record = op.scale as ScaleRecord;
  const waitSeconds = nextPollSeconds(input.waitSeconds, UPDATE_POLL_CEILING_SECONDS);
  if (record.updateId) {
    const update = await deps.nodegroups.describeUpdate(input.cluster, input.nodegroup, record.updateId);
    if (update.status === 'Failed' || update.status === 'Cancelled')
      throw new DependencyError(
        `update ${record.updateId} ${update.status}: ${update.errors.join('; ') || 'no reason given'}`,
      );
    return { done: update.status === 'Successful', waitSeconds };
  }
  // No update id (a crash lost it): the node group's own status says when the update is over.
  const group = await deps.nodegroups.describeNodegroup(input.cluster, input.nodegroup);
  if (!group) throw new DependencyError(`node group ${input.cluster}/${input.nodegroup} disappeared`);
  return { done: group.status !== 'UPDATING', waitSeconds };
}

export async function completeScaling(deps: ScalingDeps, input: ScaleWorkflowInput): Promise<void> {
  const op = await scaleOperation(deps, input.operationId);
  if (op.status === 'Running') {
    const record = op.scale as ScaleRecord;
    const group = await deps.nodegroups.describeNodegroup(input.cluster, input.nodegroup);
    const podsRescheduled = isScaleIn(record) ? await rescheduledPods(deps, input, record) : undefined;
    const now = deps.now();
    await deps.operations.update(input.operationId, (o) =>
      finished(
        withStep(
          {
            ...o,
            scale: { ...(o.scale as ScaleRecord), ...(podsRescheduled !== undefined ? { podsRescheduled } : {}) },
          },
          {
            name: 'Completed',
            at: now.toISOString(),
            detail: `node group at ${group ? describeSizes(group.sizes) : 'unknown sizes'}${
              podsRescheduled !== undefined ? `; ${podsRescheduled} pods rescheduled` : ''
            }`,
          },
        ),
        {},
        now,
      ),
    );
  }
  await publishEnd(deps, input.operationId);
  await resumeWaiting(deps, input);
}

export async function failScaling(deps: ScalingDeps, input: ScaleWorkflowInput & { error?: CaughtError }) {
  const error = { code: input.error?.Error ?? 'Error', message: causeMessage(input.error) };
  await deps.operations.update(input.operationId, (o) => finished(o, { error }, deps.now()));
  await publishEnd(deps, input.operationId);
  await resumeWaiting(deps, input);
}

/** The end as recorded, best effort (a repeated end step publishes it again; the recorded outcome wins). */
async function publishEnd(deps: ScalingDeps, operationId: string): Promise<void> {
  const op = await scaleOperation(deps, operationId);
  if (op.status !== 'Running') await publishTransition(deps, op, op.status);
}

async function publishTransition(deps: ScalingDeps, op: Operation, transition: string): Promise<void> {
  const record = op.scale as ScaleRecord;
  await deps.events.publish(`Operation ${transition}`, {
    // As cluster operations' (clusters/operation-events.ts): the same on a repeated end step, for deduplication.
    eventId: `${op.id}:run-${runOf(op)}:${transition}`,
    operationId: op.id,
    kind: op.kind,
    cluster: op.cluster,
    nodegroup: record.nodegroup,
    status: op.status,
    requestedBy: record.requestedBy,
    from: record.from,
    to: record.to,
    ...(op.error ? { error: op.error } : {}),
    ...(record.podsRescheduled !== undefined ? { podsRescheduled: record.podsRescheduled } : {}),
  });
}

/**
 * The ending write released the lock; whatever fired during the change is evaluated again against the new sizes.
 * A repeated end step finds nothing left to take.
 */
async function resumeWaiting(deps: ScalingDeps, input: ScaleWorkflowInput): Promise<void> {
  const waiting = await deps.scaling.takeWaiting(input.cluster, input.nodegroup);
  if (waiting.length) await fireWaitingTriggers(deps, { cluster: input.cluster, nodegroup: input.nodegroup }, waiting);
}

/** Pods that were on the nodes a scale-in removed (their controllers recreate them elsewhere). */
async function rescheduledPods(deps: ScalingDeps, input: ScaleWorkflowInput, record: ScaleRecord): Promise<number> {
  const before = record.podsPerNodeBefore ?? {};
  const after = await podsPerNodeOrNothing(deps, input);
  return Object.entries(before)
    .filter(([node]) => !(node in after))
    .reduce((sum, [, pods]) => sum + pods, 0);
}

async function podsPerNodeOrNothing(deps: ScalingDeps, input: ScaleWorkflowInput): Promise<Record<string, number>> {
  try {
    return await deps.nodegroupPods.podsPerNode(input.cluster, input.nodegroup);
  } catch (error) {
    // The count is a report, not a guard: a cluster API we cannot reach does not hold the scaling back.
    deps.logger.warn('could not count pods per node', { ...input, error: errorMessage(error) });
    return {};
  }
}

async function scaleOperation(deps: ScalingDeps, id: string): Promise<Operation> {
  const op = await deps.operations.get(id);
  if (!op?.scale) throw new DependencyError(`operation ${id} is not a scale operation`);
  return op;
}

async function recordStep(deps: ScalingDeps, id: string, name: string, detail: string): Promise<void> {
  await deps.operations.update(id, (o) => withStep(o, step(deps, name, detail)));
}

function step(deps: ScalingDeps, name: string, detail: string) {
  return { name, at: deps.now().toISOString(), detail };
}
