import { withHistory } from './rollout';
import type { HistoryEvent, PauseReason, Rollout } from './types';

/**
 * The states a rollout moves to, built in one place (Argo Rollouts' pauseContext habit): a pass decides which
 * transition applies, these build it, and the caller saves it once. Pure: no clock reads, no I/O.
 */

export function paused(
  r: Rollout,
  now: Date,
  reason: PauseReason,
  message: string,
  options: { until?: string } & Partial<Pick<HistoryEvent, 'stepIndex' | 'alarm'>> = {},
): Rollout {
  const { until, ...extra } = options;
  return { ...withHistory(r, now, 'Paused', message, extra), status: 'Paused', pause: { reason, until } };
}

export function stepCompleted(r: Rollout, now: Date, message: string): Rollout {
  return {
    ...withHistory(r, now, 'StepCompleted', message, { stepIndex: r.currentStepIndex }),
    currentStepIndex: r.currentStepIndex + 1,
    stepStartedAt: now.toISOString(),
    status: 'Progressing',
    pause: undefined,
    metricRun: undefined,
    promoteRequest: r.promoteRequest === 'step' ? undefined : r.promoteRequest,
  };
}

export function promoting(r: Rollout, now: Date, message: string, phase: 'Promoting' | 'Finalizing'): Rollout {
  return {
    ...withHistory(r, now, 'Promoting', message),
    phase,
    status: 'Progressing',
    pause: undefined,
    promoteRequest: undefined,
    stepStartedAt: now.toISOString(),
  };
}

/** N changed under the rollout (an HPA, `kubectl scale`): the rollout follows it rather than undoing it. */
export function rescaled(r: Rollout, now: Date, replicas: number, message: string): Rollout {
  return { ...withHistory(r, now, 'Rescaled', message), stable: { ...r.stable, replicas } };
}

/**
 * The abort is recorded before the cluster is touched, so a crash or a lost race can never leave the
 * cluster on stable while the record says the new version serves. `newRun` outdates the running workflow
 * execution (an abort from outside it); a pass that aborts keeps its own run.
 */
export function aborting(
  r: Rollout,
  now: Date,
  reason: string,
  options: { alarm?: string; newRun: boolean; failure?: boolean },
): Rollout {
  const { alarm, newRun, failure } = options;
  return {
    ...withHistory(r, now, 'Aborting', `${reason}: restoring stable`, alarm ? { alarm } : {}),
    phase: 'Aborting',
    status: 'Progressing',
    pause: undefined,
    promoteRequest: undefined,
    stepStartedAt: now.toISOString(),
    abort: { reason, at: now.toISOString(), ...(alarm ? { alarm } : {}), ...(failure ? { failure } : {}) },
    run: newRun ? r.run + 1 : r.run,
  };
}

/** Stable serves alone again: `Aborted`, or `Failed` when it was a failure that made us restore. */
export function aborted(r: Rollout, now: Date, message: string): Rollout {
  const failure = r.abort?.failure === true;
  return finish({ ...r, weights: { canary: 0, stable: 100 } }, now, failure ? 'Failed' : 'Aborted', message);
}

export function promoted(r: Rollout, now: Date, message: string): Rollout {
  return finish({ ...r, weights: { canary: 100, stable: 0 } }, now, 'Promoted', message);
}

export function failed(r: Rollout, now: Date, message: string): Rollout {
  return finish(r, now, 'Failed', message);
}

/** The one way a rollout ends: status, phase Done, finishedAt, nothing pending. */
function finish(r: Rollout, now: Date, status: 'Promoted' | 'Aborted' | 'Failed', message: string): Rollout {
  return {
    ...withHistory(r, now, status, message, r.abort?.alarm && status !== 'Promoted' ? { alarm: r.abort.alarm } : {}),
    status,
    phase: 'Done',
    pause: undefined,
    promoteRequest: undefined,
    finishedAt: now.toISOString(),
  };
}
