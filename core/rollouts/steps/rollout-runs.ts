import { alarmsJudgedNow, isPausedForNoData, shouldBeMoving } from '../domain/analysis';
import { withHistory } from '../domain/rollout';
import { isActive, type Rollout } from '../domain/types';
import { executionName, type RolloutDeps, saveRollout, startRun, withFreshRollout } from '../rollout-deps';

/**
 * Resumes a rollout paused because an alarm had no data (or was missing), when every alarm its step
 * judges reads OK now. The OK event and the sweep both come here. A save that lost a race (e.g. to
 * the pass that was saving the pause) decides again on the fresh record; alarm states come from the
 * invocation's one read of each alarm (the caller's readingAlarmsOnce). Returns whether it resumed.
 */
export async function resumeAfterNoData(deps: RolloutDeps, id: string, why: string): Promise<boolean> {
  return withFreshRollout(deps, id, async (r) => {
    if (!isPausedForNoData(r)) return false;
    const judged = alarmsJudgedNow(r);
    const states = judged.length ? await deps.alarms.states(judged) : {};
    if (!judged.every((a) => states[a] === 'OK')) return false;
    const next: Rollout = {
      ...withHistory(
        r,
        deps.now(),
        'Resumed',
        `${why}: analysing again`,
        judged.length === 1 ? { alarm: judged[0] } : {},
      ),
      status: 'Progressing',
      pause: undefined,
      run: r.run + 1,
    };
    await startRun(deps, await saveRollout(deps, r, next));
    return true;
  });
}

export type RunCheck = 'running' | 'started' | 'restarted' | 'unchanged';

/**
 * Makes sure a rollout that should be moving has a live workflow run. A run that never started (a
 * crash between saving and starting) starts under its own name; a run that ended without finishing
 * the rollout cannot be started again under that name (Step Functions keeps it), so the rollout
 * takes run + 1 and a new execution starts.
 */
export async function ensureRunning(deps: RolloutDeps, seen: Rollout): Promise<RunCheck> {
  const state = await deps.workflows.status('rollout', executionName(seen));
  if (state === 'RUNNING') return 'running';
  if (state === 'NOT_FOUND') {
    await startRun(deps, seen);
    return 'started';
  }
  return withFreshRollout(deps, seen.id, async (r) => {
    // Someone else moved it on (a promote, a resume, a newer sweep) or it finished: nothing to heal.
    if (!isActive(r) || !shouldBeMoving(r) || r.run !== seen.run) return 'unchanged';
    const next: Rollout = {
      ...withHistory(
        r,
        deps.now(),
        'Resumed',
        `workflow run ${r.run} ended before the rollout did: starting run ${r.run + 1}`,
      ),
      run: r.run + 1,
    };
    await startRun(deps, await saveRollout(deps, r, next));
    return 'restarted';
  });
}
