import { withHistory } from '../domain/rollout';
import { aborted, aborting } from '../domain/transitions';
import type { Rollout } from '../domain/types';
import { type RolloutDeps, saveRollout } from '../rollout-deps';
import { again, finished, type PassResult, POD_POLL_SECONDS } from './pass-result';
import { restoreStep } from './restore-stable';

/**
 * A pass found a reason to roll back (a firing alarm, failed analysis, the progress deadline): record the intent
 * (`Aborting`), then restore in this same run. The record is written first, so it never claims the new version
 * serves once the cluster has started going back.
 */
export async function beginAbort(deps: RolloutDeps, r: Rollout, reason: string, alarm?: string): Promise<PassResult> {
  const next = await saveRollout(deps, r, aborting(r, deps.now(), reason, { alarm, newRun: false }));
  return abortPass(deps, next);
}

/** One pass of a rollout in `Aborting`: one restore step; `Aborted` once the cluster shows stable serving alone. */
export async function abortPass(deps: RolloutDeps, r: Rollout): Promise<PassResult> {
  const progress = await restoreStep(deps, r);
  if (!progress.done) {
    const abort = r.abort;
    const next =
      progress.trafficRestoredAt && abort && !abort.trafficRestoredAt
        ? await saveRollout(deps, r, {
            ...withHistory(r, deps.now(), 'TrafficShifted', progress.note),
            abort: { ...abort, trafficRestoredAt: progress.trafficRestoredAt },
          })
        : r;
    const wait = progress.waitSeconds ?? POD_POLL_SECONDS;
    return again(next, wait, wait > POD_POLL_SECONDS ? 'timer' : 'pods');
  }
  return finished(
    await saveRollout(deps, r, aborted(r, deps.now(), `${r.abort?.reason ?? 'aborted'}; ${progress.note}`)),
  );
}
