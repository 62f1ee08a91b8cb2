import { withHistory } from '../domain/rollout/rollout';
import type { Rollout } from '../domain/rollout/types';
import { ConflictError, errorMessage } from '../errors';
import type { AlarmStateChange } from '../validation/alarm-event';
import { abortRollout } from './abort-rollout';
import { saveRollout, startRun, withFreshRollout, type RolloutDeps } from './rollout-deps';

export interface AlarmOutcome {
  alarm: string;
  state: string;
  aborted: string[];
  resumed: string[];
  skipped: { id: string; reason: string }[];
}

/**
 * A guarding alarm changed state.
 * ALARM: abort every active rollout it guards, now (not at the next poll). Delivered twice, aborts once.
 * OK:    resume rollouts paused because this alarm had no data; the next pass judges all alarms again.
 */
export async function onAlarmStateChange(deps: RolloutDeps, change: AlarmStateChange): Promise<AlarmOutcome> {
  const outcome: AlarmOutcome = { alarm: change.alarmName, state: change.state, aborted: [], resumed: [], skipped: [] };
  const guarded = await deps.rollouts.activeForAlarm(change.alarmName);
  await Promise.all(
    guarded.map(async (r) => {
      try {
        if (change.state === 'ALARM') {
          const aborted = await abortRollout(
            deps,
            r.id,
            `alarm ${change.alarmName} went to ALARM${change.reason ? `: ${change.reason}` : ''}`,
            change.alarmName,
          );
          outcome.aborted.push(aborted.id);
        } else if (change.state === 'OK' && r.status === 'Paused' && r.pause?.reason === 'NoData') {
          if (await resumeAfterNoData(deps, r.id, change.alarmName)) outcome.resumed.push(r.id);
        }
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        outcome.skipped.push({ id: r.id, reason: errorMessage(error) });
      }
    }),
  );
  deps.logger.info('alarm handled', { ...outcome });
  return outcome;
}

async function resumeAfterNoData(deps: RolloutDeps, id: string, alarm: string): Promise<boolean> {
  return withFreshRollout(deps, id, async (r) => {
    if (r.status !== 'Paused' || r.pause?.reason !== 'NoData') return false;
    const next: Rollout = {
      ...withHistory(r, deps.now(), 'Resumed', `alarm ${alarm} reports OK: analysing again`, { alarm }),
      status: 'Progressing',
      pause: undefined,
      run: r.run + 1,
    };
    await startRun(deps, await saveRollout(deps, r, next));
    return true;
  });
}
