import { type Operation, operationWork, runOf } from '../../operations/domain/operation';
import { type HeldLock, runName } from '../../operations/domain/work';
import { resumeAbandonedWork, type WorkKind } from '../../operations/commands/resume-work';
import { type ScalingDeps, scalingNow } from '../scaling-deps';
import { FIRST_UPDATE_WAIT_SECONDS, type ScaleWorkflowInput } from './start-scale';

/** A lock younger than this may belong to a change whose run is just starting: left alone. */
const LOCK_GRACE_SECONDS = 30;

type NodegroupLock = HeldLock & { cluster: string; nodegroup: string; since: string };

/**
 * Node-group changes as a kind of work for the one resume sweep, the safety net of one-change-at-a-time: a held
 * lock whose operation still runs but whose workflow run is gone (a crashed process, a lost execution) gets a new
 * run, which picks up where the steps left off (they are idempotent). A lock whose operation has ended is released
 * (the end step crashed before releasing it), and so is one whose operation was never recorded (the request crashed
 * between taking the lock and recording it: nothing was changed). Without this, a crash would hold the node group
 * forever. The grace counts from the lock's `since`, whatever the run's state, on the scaling clock.
 */
export function scaleWork(deps: ScalingDeps): WorkKind<Operation, NodegroupLock> {
  return {
    label: 'a scale run',
    naming: 'operation',
    workflow: () => 'scale-nodegroup',
    locks: async () =>
      (await deps.scaling.heldLocks()).map((lock) => ({
        ...lock,
        key: `${lock.cluster}/${lock.nodegroup}`,
        holder: lock.operationId,
      })),
    read: (lock) => deps.operations.get(lock.holder),
    header: operationWork,
    quietSince: (lock) => lock.since,
    graceSeconds: LOCK_GRACE_SECONDS,
    graceOn: ['NOT_FOUND', 'ENDED'],
    resume: async (op, lock) => {
      const input: ScaleWorkflowInput = {
        operationId: op.id,
        cluster: lock.cluster,
        nodegroup: lock.nodegroup,
        waitSeconds: FIRST_UPDATE_WAIT_SECONDS,
      };
      const next = runOf(op) + 1;
      const at = scalingNow(deps).toISOString();
      await deps.operations.update(op.id, (o) =>
        runOf(o) >= next ? o : { ...o, runs: next, steps: [...o.steps, { name: `Resumed${next - 1}`, at }] },
      );
      await deps.workflows.start('scale-nodegroup', runName(op.id, next), input);
    },
    breakLock: async (lock) => {
      await deps.scaling.releaseLock(lock.cluster, lock.nodegroup, lock.holder);
    },
  };
}

/** The sweep over node-group changes (see scaleWork). */
export async function resumeScaleRuns(deps: ScalingDeps): Promise<{ resumed: string[]; released: string[] }> {
  const { resumed, released } = await resumeAbandonedWork({ ...deps, now: () => scalingNow(deps) }, scaleWork(deps));
  return { resumed, released };
}
