import { type CaughtError, causeMessage } from '../../kernel/caught-error';
import { errorMessage } from '../../kernel/errors';
import { withHistory } from '../domain/rollout';
import { aborting } from '../domain/transitions';
import { isActive, type Rollout } from '../domain/types';
import { type RolloutDeps, type RolloutRunInput, saveRollout, startRun, withFreshRollout } from '../rollout-deps';
import { abortPass } from '../steps/abort-steps';

/**
 * The rollout workflow's Catch: a pass kept failing after its retries. The rollout goes back to stable
 * (`Aborting`, marked as a failure) and keeps its Deployment lock until the cluster shows stable serving alone;
 * only then is it `Failed`. A new run finishes the restore. If a restore run fails too (the cluster may be what is
 * failing), the rollout stays `Aborting` under a new run number that the periodic sweep starts later: the canary
 * or green is never left without an owner.
 */
export async function failRollout(deps: RolloutDeps, input: RolloutRunInput & { error?: CaughtError }): Promise<void> {
  const message = `workflow failed: ${input.error?.Error ?? 'Error'}: ${causeMessage(input.error)}`;
  const decision = await withFreshRollout(deps, input.rolloutId, async (r) => {
    if (!isActive(r) || r.run !== input.run) return undefined;
    if (r.phase === 'Aborting') {
      const noted = withHistory(r, deps.now(), 'Aborting', `${message}; the periodic sweep restores stable again`);
      return { restoreNow: false, rollout: await saveRollout(deps, r, { ...noted, run: r.run + 1 }) };
    }
    const next = aborting(r, deps.now(), message, { newRun: true, failure: true });
    return { restoreNow: true, rollout: await saveRollout(deps, r, next) };
  });
  if (decision?.restoreNow) await restoreThenHandOver(deps, decision.rollout);
}

async function restoreThenHandOver(deps: RolloutDeps, r: Rollout): Promise<void> {
  try {
    if ((await abortPass(deps, r)).done) return;
  } catch (error) {
    deps.logger.warn('restoring stable after a workflow failure failed', { rollout: r.id, error: errorMessage(error) });
  }
  await startRun(deps, r);
}
