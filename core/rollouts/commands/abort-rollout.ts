import { ConflictError, VersionConflictError } from '../../kernel/errors';
import { aborting } from '../domain/transitions';
import { isActive, type Rollout } from '../domain/types';
import { type RolloutDeps, saveRollout, startRun, stopRun, withFreshRollout } from '../rollout-deps';
import { abortPass } from '../steps/abort-steps';

/**
 * Abort by a person (`POST /rollouts/{id}/abort`) or by a firing alarm:
 *  1. record the intent (`Aborting`, a new run number: the running execution is outdated and stopped);
 *  2. make the first restore move at once (stable scales back up: this is what makes an alarm rollback fast);
 *  3. hand the rest to a workflow run, which waits for stable pods to be Ready before the new version's go.
 * Idempotent: a rollout already aborting or aborted is returned as it is, so a duplicate event does nothing.
 */
export async function abortRollout(
  deps: RolloutDeps,
  id: string,
  reason: string,
  alarm?: string,
  /** The record as the caller just read it (see withFreshRollout): one store read fewer per aborted rollout. */
  known?: Rollout,
): Promise<Rollout> {
  let started = false;
  // The Aborting events go out while stable scales back up: two store/bus calls fewer before the restore.
  // Settled to the error (or undefined) at once, so that a failed publish is never an unhandled rejection.
  let publishFailure: Promise<unknown> = Promise.resolve(undefined);
  const r = await withFreshRollout(
    deps,
    id,
    async (current) => {
      if (current.status === 'Aborted' || current.phase === 'Aborting') return current;
      if (!isActive(current)) {
        throw new ConflictError(`rollout ${id} is ${current.status}: there is nothing to abort`, {
          details: [{ field: 'id', reason: `rollout is ${current.status}` }],
        });
      }
      if (current.phase === 'Finalizing') {
        throw new ConflictError(
          `rollout ${id} already switched and its delay passed: the new version is the stable one now`,
          {
            details: [{ field: 'id', reason: 'rollout is finalizing' }],
          },
        );
      }
      const next = await saveRollout(
        deps,
        current,
        aborting(current, deps.now(), reason, { alarm, newRun: true }),
        (publishing) => {
          publishFailure = publishing.then(
            () => undefined,
            (error: unknown) => error ?? new Error('publishing the abort events failed'),
          );
        },
      );
      started = true;
      await stopRun(deps, current);
      return next;
    },
    known,
  );
  if (!started) {
    // Already aborting: make sure its run exists (the same name starts nothing new), in case the abort that
    // recorded it crashed before starting it.
    if (r.phase === 'Aborting') await startRun(deps, r);
    return r;
  }
  const [continued, failure] = await Promise.all([continueAbort(deps, r), publishFailure]);
  // As before: the delivery fails and is retried (the abort is recorded; the outbox keeps the events).
  if (failure) throw failure;
  return continued;
}

/** One restore step now; if more is needed (pods to become Ready), the workflow's new run goes on from there. */
async function continueAbort(deps: RolloutDeps, r: Rollout): Promise<Rollout> {
  try {
    const pass = await abortPass(deps, r);
    if (pass.done) return (await deps.rollouts.get(r.id)) ?? r;
  } catch (error) {
    // The run started below retries the restore with backoff; the abort itself is recorded.
    if (!(error instanceof VersionConflictError))
      deps.logger.warn('first restore step failed', { rollout: r.id, error });
  }
  await startRun(deps, r);
  return r;
}
