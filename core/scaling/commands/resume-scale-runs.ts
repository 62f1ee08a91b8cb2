import { errorMessage } from '../../kernel/errors';
import { runOf } from '../../operations/domain/operation';
import { runName } from '../../operations/domain/work';
import { type ScalingDeps, scalingNow } from '../scaling-deps';
import { FIRST_UPDATE_WAIT_SECONDS, type ScaleWorkflowInput } from './start-scale';

/** A lock younger than this may belong to a change whose run is just starting: left alone. */
const LOCK_GRACE_MS = 30_000;

/**
 * The safety net of one-change-at-a-time: a held lock whose operation still runs but whose workflow
 * run is gone (a crashed process, a lost execution) gets a new run, which picks up where the steps
 * left off (they are idempotent). A lock whose operation has ended is released (the end step crashed
 * before releasing it). Without this, a crash would hold the node group forever.
 */
export async function resumeScaleRuns(deps: ScalingDeps): Promise<{ resumed: string[]; released: string[] }> {
  const outcome = { resumed: [] as string[], released: [] as string[] };
  const now = scalingNow(deps).getTime();
  for (const lock of await deps.scaling.heldLocks()) {
    try {
      const op = await deps.operations.get(lock.operationId);
      if (op && op.status !== 'Running') {
        await deps.scaling.releaseLock(lock.cluster, lock.nodegroup, lock.operationId);
        outcome.released.push(lock.operationId);
        continue;
      }
      if (now - Date.parse(lock.since) < LOCK_GRACE_MS) continue;
      if (!op) {
        // The request crashed between taking the lock and recording the operation: nothing was changed.
        await deps.scaling.releaseLock(lock.cluster, lock.nodegroup, lock.operationId);
        outcome.released.push(lock.operationId);
        continue;
      }
      const runs = runOf(op);
      if ((await deps.workflows.status('scale-nodegroup', runName(op.id, runs))) === 'RUNNING') continue;
      const input: ScaleWorkflowInput = {
        operationId: op.id,
        cluster: lock.cluster,
        nodegroup: lock.nodegroup,
        waitSeconds: FIRST_UPDATE_WAIT_SECONDS,
      };
      const next = runs + 1;
      await deps.operations.update(op.id, (o) =>
        runOf(o) >= next
          ? o
          : { ...o, runs: next, steps: [...o.steps, { name: `Resumed${next - 1}`, at: new Date(now).toISOString() }] },
      );
      await deps.workflows.start('scale-nodegroup', runName(op.id, next), input);
      outcome.resumed.push(op.id);
    } catch (error) {
      deps.logger.warn('could not resume a scale run', { ...lock, error: errorMessage(error) });
    }
  }
  return outcome;
}
