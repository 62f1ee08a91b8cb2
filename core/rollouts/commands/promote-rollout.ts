import { ConflictError, ValidationError } from '../../kernel/errors';
import { withHistory } from '../domain/rollout';
import type { Rollout } from '../domain/types';
import { type RolloutDeps, saveRollout, startRun, withFreshRollout } from '../rollout-deps';

/** Idempotency keys remembered per rollout: enough for a client's retries, small in the record. */
export const MAX_REMEMBERED_PROMOTE_KEYS = 10;

export interface PromoteRequest {
  /** Skip every remaining step, not only the current pause. */
  full?: boolean;
  /** The `currentStepIndex` the caller saw: a rollout already past it makes the promote a no-op. */
  step?: number;
  /** The `Idempotency-Key` header: a retry with the same key returns the rollout without acting again. */
  idempotencyKey?: string;
}

/**
 * POST /rollouts/{id}/promote: skip the current pause (or, with `full`, every remaining step). It
 * starts a new workflow run at once, so a promote never waits for a timer; the run it replaces
 * stops at its next pass.
 *
 * Idempotent: a promote that names a step the rollout is past, repeats a remembered idempotency key,
 * or arrives while an earlier promote is still pending (not yet taken by a pass) changes nothing and
 * returns the rollout. `request` may be a boolean (`full`), as older callers pass it.
 */
export async function promoteRollout(
  deps: RolloutDeps,
  id: string,
  request: PromoteRequest | boolean = {},
): Promise<Rollout> {
  const { full = false, step, idempotencyKey } = typeof request === 'boolean' ? { full: request } : request;
  return withFreshRollout(deps, id, async (r) => {
    const remembered = idempotencyKey ? r.promoteKeys?.find((k) => k.key === idempotencyKey) : undefined;
    if (remembered) {
      if (remembered.full !== full || remembered.step !== step)
        throw ValidationError.forField('Idempotency-Key', 'was already used for a different promote request');
      return r;
    }
    if (step !== undefined) {
      if (r.strategy !== 'canary') throw ValidationError.forField('step', 'applies to canary rollouts only');
      if (isPastStep(r, step)) return r;
      if (step > r.currentStepIndex)
        throw new ConflictError(`rollout ${id} is at step ${r.currentStepIndex}, not ${step}`, {
          details: [{ field: 'step', reason: `rollout is at step ${r.currentStepIndex}` }],
        });
    }
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
    // An earlier promote not yet taken by a pass already asks for this (or more).
    if (r.promoteRequest === 'full' || (r.promoteRequest === 'step' && !full)) return r;
    const now = deps.now();
    const next: Rollout = {
      ...withHistory(
        r,
        now,
        'Resumed',
        full ? 'promote (full): skipping all remaining steps' : 'promote: skipping the current pause',
      ),
      promoteRequest: full ? 'full' : 'step',
      status: 'Progressing',
      pause: undefined,
      run: r.run + 1,
      ...(idempotencyKey
        ? {
            promoteKeys: [
              ...(r.promoteKeys ?? []),
              { key: idempotencyKey, full, ...(step !== undefined ? { step } : {}), at: now.toISOString() },
            ].slice(-MAX_REMEMBERED_PROMOTE_KEYS),
          }
        : {}),
    };
    const saved = await saveRollout(deps, r, next);
    await startRun(deps, saved);
    return saved;
  });
}

/** The rollout has moved beyond `step` (a later step, or promotion of the whole rollout). */
function isPastStep(r: Rollout, step: number): boolean {
  return r.currentStepIndex > step || r.phase === 'Promoting' || r.phase === 'Done' || r.status === 'Promoted';
}
