import { startRun, type RolloutDeps } from './rollout-deps';
import { flushOutbox } from './rollout-outbox';

/**
 * The schedule's safety net: (re)start the current workflow run of every rollout that should be
 * moving. Execution names are `<id>-<run>`, so a run that is alive is not started twice; one that
 * never started (a crash between saving and starting) starts now.
 */
export async function sweepRollouts(
  deps: Pick<RolloutDeps, 'rollouts' | 'workflows' | 'logger' | 'events'>,
): Promise<{ checked: number; started: number }> {
  const active = await deps.rollouts.listActive();
  const moving = active.filter((r) => r.status === 'Progressing' || r.pause?.until);
  for (const r of moving) await startRun(deps, r);
  await flushOutbox(deps);
  deps.logger.info('sweep', { active: active.length, started: moving.length });
  return { checked: active.length, started: moving.length };
}
