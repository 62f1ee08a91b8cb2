import type { TransitionEvent } from '../../kernel/ports/events';
import type { HistoryEvent, Rollout } from './types';

/** The id of the i-th history entry added by the write that stored `version` of the rollout. */
export function transitionEventId(rolloutId: string, version: number, index: number): string {
  return `${rolloutId}:${version}:${index}`;
}

/**
 * The history entries `after` adds to `before`. History is capped (the oldest entries fall off the
 * front), so the added entries are the shortest tail whose removal leaves a suffix of `before`.
 */
export function addedHistory(before: readonly HistoryEvent[], after: readonly HistoryEvent[]): HistoryEvent[] {
  const key = (e: HistoryEvent) => JSON.stringify([e.at, e.type, e.message, e.stepIndex, e.alarm]);
  const old = before.map(key);
  const now = after.map(key);
  for (let added = 0; added < now.length; added++) {
    const kept = now.length - added;
    if (kept > old.length) continue;
    const offset = old.length - kept;
    if (now.slice(0, kept).every((k, i) => k === old[offset + i])) return after.slice(kept);
  }
  return [...after];
}

/**
 * The events a write publishes: one per history entry it adds, described with the rollout as written
 * (`version` is the version the store gives the written record).
 */
export function transitionEvents(
  before: Pick<Rollout, 'history'> | undefined,
  after: Rollout,
  version: number,
): TransitionEvent[] {
  return addedHistory(before?.history ?? [], after.history).map((entry, i) => {
    const id = transitionEventId(after.id, version, i);
    return {
      id,
      sequence: `${after.id}#${String(version).padStart(10, '0')}#${String(i).padStart(4, '0')}`,
      detailType: `Rollout ${entry.type}`,
      detail: {
        eventId: id,
        rolloutId: after.id,
        cluster: after.cluster,
        namespace: after.namespace,
        deployment: after.deployment,
        status: after.status,
        version,
        ...entry,
      },
    };
  });
}
