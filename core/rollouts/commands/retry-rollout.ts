import type { PatchAllowance } from '../../access/domain/pod-template-patch';
import { ConflictError } from '../../kernel/errors';
import { rolloutNotFound } from '../domain/rollout-errors';
import type { Rollout } from '../domain/types';
import type { RolloutDeps } from '../rollout-deps';
import { startRollout } from './start-rollout';

/** Rollouts that ended without the new version: what a retry may start again. */
const RETRYABLE: readonly Rollout['status'][] = ['Aborted', 'Failed'];

/**
 * POST /rollouts/{id}/retry: the same release (image or patch, strategy, steps, analysis) started again as a new
 * rollout that points back to the first (`retryOf`). It is checked against the cluster as it is now, as any start
 * is: the Deployment's stable version today is what the retry starts from, and an active rollout there is a 409.
 */
export async function retryRollout(
  deps: RolloutDeps,
  id: string,
  patchAllowance: PatchAllowance,
  createdBy: string | undefined,
  newId?: () => string,
): Promise<Rollout> {
  const first = await deps.rollouts.get(id);
  if (!first) throw rolloutNotFound(id);
  if (!RETRYABLE.includes(first.status))
    throw new ConflictError(
      `rollout ${id} is ${first.status}: only an ${RETRYABLE.join(' or ')} rollout is retried (promote or abort a running one)`,
      { details: [{ field: 'id', reason: `rollout is ${first.status}` }] },
    );
  const request = first.request;
  // The first request passed validation with its own allowWeightDecrease, which the record does not keep.
  const body = request.canary ? { ...request, canary: { ...request.canary, allowWeightDecrease: true } } : request;
  return startRollout(deps, body, newId, patchAllowance, createdBy, id);
}
