import { resumeAbandonedWork, type WorkKind } from '../../operations/commands/resume-work';
import { type Operation, operationWork, runOf } from '../../operations/domain/operation';
import { runName } from '../../operations/domain/work';
import { NODEGROUP_LOCKS, type ScaleRecord } from '../domain/records';
import type { ScalingDeps } from '../scaling-deps';
import { FIRST_UPDATE_WAIT_SECONDS, type ScaleWorkflowInput } from './start-scale';

/** A lock younger than this may belong to a change whose run is just starting: left alone. */
const LOCK_GRACE_SECONDS = 30;

/**
 * Node-group changes as a kind of work for the one resume sweep, the safety net of one-change-at-a-time: a held
 * node-group lock whose operation still runs but whose workflow run is gone (a crashed process, a lost execution)
 * gets a new run, which picks up where the steps left off (they are idempotent). Without this, a crash would hold
 * the node group forever. The grace counts from the lock's `since` (when the change was recorded), whatever the
 * run's state. The lock is taken and released with the operation's own writes; one whose
 * holder ended or is missing all the same (a lock written by hand) is broken once its lease has passed.
 */
export function scaleWork(deps: ScalingDeps): WorkKind<Operation & { scale: ScaleRecord }> {
  return {
    label: 'a scale run',
    naming: 'operation',
    workflow: () => 'scale-nodegroup',
    locks: async () =>
      (await deps.operations.heldLocks(NODEGROUP_LOCKS)).map((lock) => ({
        key: lock.key,
        holder: lock.operationId,
        ...(lock.since ? { since: lock.since } : {}),
      })),
    read: async (lock) => {
      const op = await deps.operations.get(lock.holder);
      return op?.scale ? (op as Operation & { scale: ScaleRecord }) : undefined;
    },
    header: operationWork,
    quietSince: (lock) => lock.since,
    graceSeconds: LOCK_GRACE_SECONDS,
    graceOn: ['NOT_FOUND', 'ENDED'],
    resume: async (op) => {
      const input: ScaleWorkflowInput = {
        operationId: op.id,
        cluster: op.cluster,
        nodegroup: op.scale.nodegroup,
        waitSeconds: FIRST_UPDATE_WAIT_SECONDS,
      };
      const next = runOf(op) + 1;
      const at = deps.now().toISOString();
      await deps.operations.update(op.id, (o) =>
        runOf(o) >= next ? o : { ...o, runs: next, steps: [...o.steps, { name: `Resumed${next - 1}`, at }] },
      );
      await deps.workflows.start('scale-nodegroup', runName(op.id, next), input);
    },
    breakLock: async (lock) => {
      await deps.operations.breakLock(lock.key, lock.holder);
    },
  };
}

/** The sweep over node-group changes (see scaleWork). */
export async function resumeScaleRuns(deps: ScalingDeps): Promise<{ resumed: string[]; released: string[] }> {
  const { resumed, released } = await resumeAbandonedWork(deps, scaleWork(deps));
  return { resumed, released };
}
