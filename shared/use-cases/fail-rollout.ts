import { withHistory } from '../domain/rollout/rollout';
import { isActive } from '../domain/rollout/types';
import { errorMessage } from '../errors';
import { restoreStable } from './abort-rollout';
import { saveRollout, type RolloutDeps, type RolloutRunInput } from './rollout-deps';
import { causeMessage, type CaughtError } from '../domain/caught-error';

/**
 * The rollout workflow's Catch: a pass kept failing after its retries. Put traffic back on stable
 * (best effort: the cluster may be what is failing), then record the rollout as Failed so the
 * Deployment is free for a new rollout — never stuck.
 */
export async function failRollout(deps: RolloutDeps, input: RolloutRunInput & { error?: CaughtError }): Promise<void> {
  const r = await deps.rollouts.get(input.rolloutId);
  if (!r || !isActive(r) || r.run !== input.run) return;
  let restored = 'stable restored';
  try {
    await restoreStable(deps.workloads, r);
  } catch (error) {
    restored = `stable NOT restored (${errorMessage(error)})`;
  }
  const now = deps.now();
  const message = `workflow failed: ${input.error?.Error ?? 'Error'}: ${causeMessage(input.error)}; ${restored}`;
  await saveRollout(deps, r, {
    ...withHistory(r, now, 'Failed', message),
    status: 'Failed',
    finishedAt: now.toISOString(),
  });
}
