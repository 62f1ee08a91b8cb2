import { readingAlarmsOnce } from '../../alarms/queries/alarm-reads';
import { settleEach } from '../../kernel/concurrency';
import { ConflictError, errorMessage, TransientError } from '../../kernel/errors';
import { alarmsOf } from '../domain/alarms';
import { type AlarmStates, alarmsJudgedNow, sweepAction } from '../domain/analysis';
import type { Rollout } from '../domain/types';
import { forRollout, type RolloutDeps } from '../rollout-deps';
import { ensureRunning, resumeAfterNoData } from '../steps/rollout-runs';
import { abortRollout } from './abort-rollout';

/** Rollouts swept at once: the same bound as an alarm's fan-out, for the same reason (shared sockets). */
const MAX_ROLLOUTS_IN_FLIGHT = 8;

export interface SweepOutcome {
  checked: number;
  /** A guarding alarm was in ALARM (its event was lost, or the rollout waited for a person). */
  aborted: string[];
  /** Paused for no data while every judged alarm reads OK (a lost OK, or one that raced the pause). */
  resumed: string[];
  /** Should be moving, and its run had never started: started under its own name. */
  started: string[];
  /** Should be moving, and its run had ended: a new run. */
  restarted: string[];
}

import { flushOutbox } from '../steps/rollout-outbox';

/**
 * The schedule's safety net: re-judges every active rollout, paused ones included, as the alarm
 * events would have (in case one was lost), and makes sure every rollout that should be moving
 * has a live workflow run. The alarms of all rollouts are read in one batch (DescribeAlarms takes
 * 100 names a call). A rollout that fails does not stop the others; the sweep then throws, naming it.
 */
export async function sweepRollouts(deps: RolloutDeps): Promise<SweepOutcome> {
  // The batch below is the only read: each rollout's resume then finds its alarms there.
  deps = readingAlarmsOnce(deps);
  const active = await deps.rollouts.listActive();
  const names = [...new Set(active.flatMap((r) => [...r.alarms, ...alarmsOf(r.request).all]))];
  const states = names.length ? await deps.alarms.states(names) : {};
  const outcome: SweepOutcome = { checked: active.length, aborted: [], resumed: [], started: [], restarted: [] };
  const results = await settleEach(active, MAX_ROLLOUTS_IN_FLIGHT, (r) => sweepOne(forRollout(deps, r.id), r, states));
  const failed: string[] = [];
  for (const result of results) {
    if (!result.ok) {
      if (!(result.error instanceof ConflictError)) failed.push(`${result.item.id} (${errorMessage(result.error)})`);
      continue;
    }
    if (result.value !== 'none') outcome[result.value].push(result.item.id);
  }
  // Transition events a failed publish left in the outbox go out now (at least once).
  await flushOutbox(deps);
  deps.logger.info('sweep', { ...outcome, failed });
  if (failed.length)
    throw new TransientError(`sweep: ${failed.length} of ${active.length} rollouts failed: ${failed.join('; ')}`);
  return outcome;
}

type Swept = 'aborted' | 'resumed' | 'started' | 'restarted' | 'none';

async function sweepOne(deps: RolloutDeps, r: Rollout, states: AlarmStates): Promise<Swept> {
  const { action, alarm } = sweepAction(r, alarmsJudgedNow(r), states);
  if (action === 'abort') {
    await abortRollout(deps, r.id, `alarm ${alarm} is in ALARM (found by the sweep)`, alarm, r);
    return 'aborted';
  }
  if (action === 'resume')
    return (await resumeAfterNoData(deps, r.id, 'the sweep found every alarm OK')) ? 'resumed' : 'none';
  if (action === 'checkRun') {
    const check = await ensureRunning(deps, r);
    return check === 'started' || check === 'restarted' ? check : 'none';
  }
  return 'none';
}
