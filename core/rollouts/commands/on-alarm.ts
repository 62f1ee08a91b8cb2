import { checkAlarmChange, notCurrent, readingAlarmsOnce } from '../../alarms/queries/alarm-reads';
import type { AlarmStateChange } from '../../alarms/requests/alarm-event';
import { type Coalescer, settleEach } from '../../kernel/concurrency';
import { ConflictError, errorMessage, TransientError } from '../../kernel/errors';
import { isAbortingOrAborted, isPausedForNoData, isStaleFor } from '../domain/analysis';
import type { Rollout } from '../domain/types';
import { forRollout, type RolloutDeps } from '../rollout-deps';
import { resumeAfterNoData } from '../steps/rollout-runs';
import { abortRollout } from './abort-rollout';

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
  deps = readingAlarmsOnce(deps);
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
  // The store first: an alarm that guards nothing, or only rollouts this change has already acted on (a
  // duplicate after the first delivery's aborts), costs no DescribeAlarms at all.
  const guarded = await deps.rollouts.activeForAlarm(change.alarmName);
  const due: Rollout[] = [];
  for (const r of guarded) {
    const why = changeLeavesAlone(change, r);
    if (why === undefined) due.push(r);
    else if (why) outcome.skipped.push({ id: r.id, reason: why });
  }
  if (!due.length) {
    const ignored = guarded.length ? undefined : `alarm ${change.alarmName} guards no active rollout`;
    deps.logger.info('alarm handled', { ...outcome, ...(ignored ? { ignored } : {}) });
    return ignored ? { ...outcome, ignored } : outcome;
  }
  // Once per event, not per rollout: a replayed ALARM after recovery (or an OK after a new ALARM) is history.
  const check = await checkAlarmChange(deps, change);
  if (!check.current) {
    const ignored = notCurrent(change, check);
    deps.logger.info('alarm event ignored', { ...outcome, ignored });
    return { ...outcome, skipped: [], ignored };
  }

  const results = await settleEach(due, MAX_ROLLOUTS_IN_FLIGHT, (r) => actOn(forRollout(deps, r.id), change, r));
  const failed: string[] = [];
  for (const result of results) {
    const id = result.item.id;
    if (!result.ok) {
      if (result.error instanceof ConflictError) outcome.skipped.push({ id, reason: errorMessage(result.error) });
      else failed.push(`${id} (${errorMessage(result.error)})`);
    } else if (result.value === 'aborted') outcome.aborted.push(id);
    else if (result.value === 'resumed') outcome.resumed.push(id);
  }
  deps.logger.info('alarm handled', { ...outcome, failed, verifiedVia: check.via });
  if (failed.length)
    throw new TransientError(
      `alarm ${change.alarmName} ${change.state}: ${failed.length} of ${due.length} rollouts failed, the others were handled: ${failed.join('; ')}`,
    );
  return outcome;
}

/**
 * What the change leaves alone, read from the stored rollout alone (no CloudWatch, no cluster): a reason to
 * report, '' for nothing worth reporting, undefined when the rollout is due for the change.
 */
function changeLeavesAlone(change: AlarmStateChange, r: Rollout): string | undefined {
  if (change.state === 'ALARM') {
    if (isStaleFor(change, r)) return `the alarm entered ALARM at ${change.time}, before the rollout started`;
    if (isAbortingOrAborted(r)) return 'already aborting';
    return undefined;
  }
  // An OK needs no staleness check: a resume re-reads every judged alarm and acts on how they are now.
  return isPausedForNoData(r) ? undefined : '';
}

type Action = 'aborted' | 'resumed' | 'nothing';

async function actOn(deps: RolloutDeps, change: AlarmStateChange, r: Rollout): Promise<Action> {
  if (change.state === 'ALARM') {
    const reason = `alarm ${change.alarmName} went to ALARM${change.reason ? `: ${change.reason}` : ''}`;
    await abortRollout(deps, r.id, reason, change.alarmName, r);
    return 'aborted';
  }
  return (await resumeAfterNoData(deps, r.id, `alarm ${change.alarmName} reports OK`)) ? 'resumed' : 'nothing';
}
