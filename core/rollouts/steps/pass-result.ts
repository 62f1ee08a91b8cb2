import type { Rollout } from '../domain/types';

/** What the workflow's Choice/Wait read after each pass. */
export interface PassResult {
  done: boolean;
  waitSeconds: number;
  status: Rollout['status'];
  /** Reconcile passes made by this execution (continue-as-new counts them). */
  passes?: number;
  /** `pods`: a short wait the task may spend polling itself; `timer`: a pause the workflow's Wait state should hold. */
  waitingFor?: 'pods' | 'timer';
}

/** Poll while pods start: short, because a step is only as fast as the pass that notices it. */
export const POD_POLL_SECONDS = 2;

export function finished(r: Rollout): PassResult {
  return { done: true, waitSeconds: 0, status: r.status };
}

export function again(r: Rollout, waitSeconds: number, waitingFor: PassResult['waitingFor'] = 'timer'): PassResult {
  return { done: false, waitSeconds, status: r.status, waitingFor };
}

export function remaining(now: Date, until: string): number {
  return Math.max(0, Math.ceil((Date.parse(until) - now.getTime()) / 1000));
}
