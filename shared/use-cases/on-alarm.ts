import { isAbortingOrAborted, isPausedForNoData, isStaleFor } from '../domain/rollout/analysis';
import type { Rollout } from '../domain/rollout/types';
import { type Coalescer, settleEach } from '../concurrency';
import { ConflictError, errorMessage, TransientError } from '../errors';
import type { AlarmStateChange } from '../validation/alarm-event';
import { abortRollout } from './abort-rollout';
import { forRollout, type RolloutDeps } from './rollout-deps';
import { resumeAfterNoData } from './rollout-runs';

/**
 * Rollouts one state change acts on at once. Each abort is a chain of ~8 store and Kubernetes calls;
 * 8 chains keep one change well under the SDK's 50 sockets per client, leaving room for the
 * workflow passes and other events sharing the process (a storm once queued 1,250 calls behind them).
 */
export const MAX_ROLLOUTS_IN_FLIGHT = 8;

export interface AlarmOutcome {
  alarm: string;
  state: string;
  aborted: string[];
  resumed: string[];
  skipped: { id: string; reason: string }[];
  /** Why the event changed nothing at all (no longer the alarm's state, INSUFFICIENT_DATA). */
  ignored?: string;
  /** The same change (alarm, state, timestamp) was handled by another delivery: its outcome. */
  duplicate?: boolean;
}

/** Identical changes (duplicates, retries) share one key: alarm, state, and when the alarm entered it. */
export function changeKey(change: AlarmStateChange): string {
  return `${change.alarmName}\u0000${change.state}\u0000${change.time}`;
}

/**
 * A guarding alarm changed state.
 * ALARM: abort every active rollout it guards, now (not at the next poll). Delivered twice, aborts once.
 * OK:    resume rollouts paused because their alarms had no data, once all of them read OK.
 * The event acts only if the alarm is still in that state, and only on rollouts started before the
 * alarm entered it. Each rollout is handled on its own, a few at a time; when some fail, the others
 * still complete and then this throws (naming the failed ones) so that the delivery is retried.
 * With a `coalescer`, a duplicate of a change in flight is acknowledged at once, and one of a change
 * just handled gets its outcome: the work is done once.
 */
export async function onAlarmStateChange(
  deps: RolloutDeps,
  change: AlarmStateChange,
  coalescer?: Coalescer<AlarmOutcome>,
): Promise<AlarmOutcome> {
  if (!coalescer) return handleChange(deps, change);
  const key = changeKey(change);
  if (coalescer.isInFlight(key)) {
    // Acknowledged at once rather than held for the whole fan-out: the delivery that is handling the
    // change carries it (Lambda retries it if it fails, then keeps it in the dead-letter queue, and the
    // sweep re-judges every rollout), so a duplicate adds no guarantee by waiting.
    const ignored = 'the same change is being handled by another delivery';
    return {
      alarm: change.alarmName,
      state: change.state,
      aborted: [],
      resumed: [],
      skipped: [],
      ignored,
      duplicate: true,
    };
  }
  const { value, shared } = await coalescer.run(key, () => handleChange(deps, change));
  return shared ? { ...value, duplicate: true } : value;
}

async function handleChange(deps: RolloutDeps, change: AlarmStateChange): Promise<AlarmOutcome> {
  const outcome: AlarmOutcome = { alarm: change.alarmName, state: change.state, aborted: [], resumed: [], skipped: [] };
  if (change.state === 'INSUFFICIENT_DATA')
    return { ...outcome, ignored: 'INSUFFICIENT_DATA acts at step boundaries only' };
  // Once per event, not per rollout: a replayed ALARM after recovery (or an OK after a new ALARM) is history.
  const current = (await deps.alarms.states([change.alarmName]))[change.alarmName];
  if (current !== change.state) {
    const ignored = `alarm ${change.alarmName} is ${current ?? 'deleted'} now, not ${change.state}`;
    deps.logger.info('alarm event ignored', { ...outcome, ignored });
    return { ...outcome, ignored };
  }

  const guarded = await deps.rollouts.activeForAlarm(change.alarmName);
  const results = await settleEach(guarded, MAX_ROLLOUTS_IN_FLIGHT, (r) => actOn(forRollout(deps, r.id), change, r));
  const failed: string[] = [];
  for (const result of results) {
    const id = result.item.id;
    if (!result.ok) {
      if (result.error instanceof ConflictError) outcome.skipped.push({ id, reason: errorMessage(result.error) });
      else failed.push(`${id} (${errorMessage(result.error)})`);
    } else if (result.value === 'aborted') outcome.aborted.push(id);
    else if (result.value === 'resumed') outcome.resumed.push(id);
    else if (result.value !== 'nothing') outcome.skipped.push({ id, reason: result.value.skipped });
  }
  deps.logger.info('alarm handled', { ...outcome, failed });
  if (failed.length)
    throw new TransientError(
      `alarm ${change.alarmName} ${change.state}: ${failed.length} of ${guarded.length} rollouts failed, the others were handled: ${failed.join('; ')}`,
    );
  return outcome;
}

type Action = 'aborted' | 'resumed' | 'nothing' | { skipped: string };

async function actOn(deps: RolloutDeps, change: AlarmStateChange, r: Rollout): Promise<Action> {
  if (change.state === 'ALARM') {
    // An OK needs no such check: a resume re-reads every judged alarm and acts on how they are now.
    if (isStaleFor(change, r))
      return { skipped: `the alarm entered ALARM at ${change.time}, before the rollout started` };
    // Cheap: no store or cluster call for a rollout whose abort is recorded or under way.
    if (isAbortingOrAborted(r)) return { skipped: 'already aborting' };
    const reason = `alarm ${change.alarmName} went to ALARM${change.reason ? `: ${change.reason}` : ''}`;
    await abortRollout(deps, r.id, reason, change.alarmName);
    return 'aborted';
  }
  if (!isPausedForNoData(r)) return 'nothing';
  return (await resumeAfterNoData(deps, r.id, `alarm ${change.alarmName} reports OK`)) ? 'resumed' : 'nothing';
}
