import { withHistory } from '../domain/rollout/rollout';
import type { Rollout } from '../domain/rollout/types';
import { ConflictError } from '../errors';
import { saveRollout, startRun, withFreshRollout, type RolloutDeps } from './rollout-deps';

/**
 * POST /rollouts/{id}/promote: skip the current pause (or, with `full`, every remaining step). It
 * starts a new workflow run at once, so a promote never waits for a timer; the run it replaces
 * stops at its next pass.
 */
export async function promoteRollout(deps: RolloutDeps, id: string, full: boolean): Promise<Rollout> {
  return withFreshRollout(deps, id, async (r) => {
    if (r.status !== 'Progressing' && r.status !== 'Paused') {
      throw new ConflictError(
        `rollout ${id} is ${r.status}${r.abort ? ` (${r.abort.reason})` : ''}: it cannot be promoted`,
        { details: [{ field: 'id', reason: `rollout is ${r.status}` }] },
      );
    }
    if (r.phase === 'Aborting') {
      throw new ConflictError(`rollout ${id} is being aborted (${r.abort?.reason}): it cannot be promoted`, {
        details: [{ field: 'id', reason: 'rollout is Aborting' }],
      });
    }
    if (r.pause?.reason === 'ExternalChange') {
      throw new ConflictError(
        `rollout ${id} paused because someone else changed what it drives: promoting would overwrite their change; abort it and start a new rollout`,
        { details: [{ field: 'id', reason: 'rollout is paused for an external change' }] },
      );
    }
    if (r.phase === 'Switched' || r.phase === 'Finalizing' || r.phase === 'Promoting') {
      throw new ConflictError(`rollout ${id} is already promoting (${r.phase})`, {
        details: [{ field: 'id', reason: `rollout is ${r.phase}` }],
      });
    }
    const next: Rollout = {
      ...withHistory(
        r,
        deps.now(),
        'Resumed',
        full ? 'promote (full): skipping all remaining steps' : 'promote: skipping the current pause',
      ),
      promoteRequest: full ? 'full' : 'step',
      status: 'Progressing',
      pause: undefined,
      run: r.run + 1,
    };
    const saved = await saveRollout(deps, r, next);
    await startRun(deps, saved);
    return saved;
  });
}
