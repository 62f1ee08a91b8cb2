import type { NoDataPolicy, Rollout } from './types';

/** A CloudWatch alarm's state (the domain owns the type; validation and adapters import it from here). */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Current states by alarm name; an alarm that does not exist (deleted) is absent. */
export type AlarmStates = Record<string, AlarmState | undefined>;

export type AnalysisOutcome =
  | { result: 'pass' }
  | { result: 'pause'; alarm: string; message: string; cause: 'missing' | 'noData' }
  | { result: 'fail'; alarm: string; message: string };

/**
 * Judges the guarding alarms at a step boundary: any ALARM fails; an alarm that does not exist
 * pauses whatever `noData` says (a deleted guard is not "no data": going on would be unguarded);
 * INSUFFICIENT_DATA follows the rollout's `noData` policy (so a canary with no traffic neither
 * promotes blindly nor halts unexplained); all OK passes.
 */
export function judgeAlarms(states: AlarmStates, alarms: string[], noData: NoDataPolicy): AnalysisOutcome {
  const firing = alarms.find((a) => states[a] === 'ALARM');
  if (firing) return { result: 'fail', alarm: firing, message: `alarm ${firing} is in ALARM` };
  const missing = alarms.find((a) => states[a] === undefined);
  if (missing)
    return {
      result: 'pause',
      alarm: missing,
      cause: 'missing',
      message: `alarm ${missing} does not exist (deleted?): the rollout is not guarded`,
    };
  const silent = alarms.find((a) => states[a] !== 'OK');
  if (!silent || noData === 'pass') return { result: 'pass' };
  const message = `alarm ${silent} has insufficient data (noData: ${noData})`;
  return noData === 'fail'
    ? { result: 'fail', alarm: silent, message }
    : { result: 'pause', alarm: silent, message, cause: 'noData' };
}

/** What an alarm state-change event says, as the decisions below need it. */
export interface AlarmChange {
  alarmName: string;
  state: AlarmState;
  /** When the alarm entered `state` (the detail's `state.timestamp`, else the event's `time`). */
  time: string;
}

/**
 * An event about a state the alarm entered before the rollout started says nothing about this
 * rollout: its own passes judged the alarm's state from the start. A late or replayed ALARM (or OK)
 * must not act on a rollout that started after it. An unreadable time is not stale (act; every
 * action is idempotent and re-checks the alarm's current state).
 */
export function isStaleFor(change: Pick<AlarmChange, 'time'>, rollout: Pick<Rollout, 'createdAt'>): boolean {
  const changed = Date.parse(change.time);
  const started = Date.parse(rollout.createdAt);
  return Number.isFinite(changed) && Number.isFinite(started) && changed < started;
}

/** A rollout whose abort is recorded or under way: an ALARM has nothing left to do there. */
export function isAbortingOrAborted(rollout: Pick<Rollout, 'status' | 'phase' | 'abort'>): boolean {
  return rollout.status === 'Aborted' || rollout.abort !== undefined || rollout.phase === 'Aborting';
}

/** A rollout paused because an alarm had no data (or was missing) at a step boundary. */
export function isPausedForNoData(rollout: Pick<Rollout, 'status' | 'pause'>): boolean {
  return rollout.status === 'Paused' && rollout.pause?.reason === 'NoData';
}

/**
 * A rollout a workflow run should be driving right now: progressing, in a timed pause, or paused
 * with a promote waiting to be applied. A pause for a person (or for data) has no run on purpose.
 */
export function shouldBeMoving(rollout: Pick<Rollout, 'status' | 'pause' | 'promoteRequest'>): boolean {
  if (rollout.status === 'Progressing') return true;
  return rollout.status === 'Paused' && (rollout.pause?.until !== undefined || rollout.promoteRequest !== undefined);
}

/** What the sweep does with one active rollout, given the current states of its alarms. */
export type SweepAction = 'abort' | 'resume' | 'checkRun' | 'none';

/**
 * The sweep re-judges every active rollout as the events would have: a guarding alarm in ALARM
 * aborts (a lost ALARM event); a NoData pause whose alarms all read OK resumes (a lost or raced OK);
 * a rollout that should be moving gets its run checked (a run that ended or never started).
 */
export function sweepAction(
  rollout: Pick<Rollout, 'status' | 'phase' | 'abort' | 'pause' | 'promoteRequest' | 'alarms'>,
  judged: string[],
  states: AlarmStates,
): { action: SweepAction; alarm?: string } {
  const firing = rollout.alarms.find((a) => states[a] === 'ALARM');
  if (firing && !isAbortingOrAborted(rollout)) return { action: 'abort', alarm: firing };
  if (isPausedForNoData(rollout))
    return judged.every((a) => states[a] === 'OK') ? { action: 'resume' } : { action: 'none' };
  return shouldBeMoving(rollout) ? { action: 'checkRun' } : { action: 'none' };
}

/** The alarms the current step boundary judges: an analysis step's own alarms, else the guarding ones. */
export function alarmsJudgedNow(rollout: Pick<Rollout, 'request' | 'currentStepIndex' | 'alarms'>): string[] {
  const step = rollout.request.canary?.steps[rollout.currentStepIndex];
  return step && 'analysis' in step && step.analysis.alarms ? step.analysis.alarms : rollout.alarms;
}
