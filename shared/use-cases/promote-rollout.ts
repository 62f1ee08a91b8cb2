import { withHistory } from '../domain/rollout/rollout';
import type { Rollout } from '../domain/rollout/types';
import { ConflictError, NotFoundError, VersionConflictError } from '../errors';
import { saveRollout, startRun, type RolloutDeps } from './rollout-deps';

/**
 * POST /rollouts/{id}/promote: skip the current pause (or, with `full`, every remaining step). It
 * starts a new workflow run at once, so a promote never waits for a timer; the run it replaces
 * stops at its next pass.
 */
export async function promoteRollout(deps: RolloutDeps, id: string, full: boolean): Promise<Rollout> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await deps.rollouts.get(id);
    if (!r) throw new NotFoundError(`rollout ${id} not found`, { details: [{ field: 'id', reason: 'no such rollout' }] });
    if (r.status !== 'Progressing' && r.status !== 'Paused') {
      throw new ConflictError(`rollout ${id} is ${r.status}${r.abort ? ` (${r.abort.reason})` : ''}: it cannot be promoted`, { details: [{ field: 'id', reason: `rollout is ${r.status}` }] });
    }
    if (r.phase === 'Switched' || r.phase === 'Finalizing' || r.phase === 'Promoting') {
      throw new ConflictError(`rollout ${id} is already promoting (${r.phase})`, { details: [{ field: 'id', reason: `rollout is ${r.phase}` }] });
    }
    const now = deps.now();
    const next: Rollout = {
      ...withHistory(r, now, 'Resumed', full ? 'promote (full): skipping all remaining steps' : 'promote: skipping the current pause'),
      promoteRequest: full ? 'full' : 'step',
      status: 'Progressing',
      pause: undefined,
      run: r.run + 1,
    };
    try {
      const saved = await saveRollout(deps, r, next);
      await startRun(deps, saved);
      return saved;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
  throw new VersionConflictError(`rollout ${id}: too many concurrent writers`);
}
