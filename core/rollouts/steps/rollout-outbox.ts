import type { Logger } from '../../kernel/logger';
import type { EventPublisher } from '../../kernel/ports/events';
import { rolloutMetricPoints } from '../../metrics/metric-points';
import type { Metrics } from '../../metrics/ports/metrics';
import { transitionEvents } from '../domain/rollout-events';
import type { Rollout } from '../domain/types';
import type { OutboxEntry, RolloutStore } from '../ports/rollout-store';

/** Outbox entries read per page: a few PutEvents calls' worth, well inside one Lambda run. */
export const OUTBOX_PAGE_SIZE = 50;
/** Pages per flush: a backlog larger than this waits for the next sweep rather than stretching this one. */
export const OUTBOX_MAX_PAGES = 20;

/** Named by port, not as a slice of RolloutDeps: rollout-deps publishes through this module. */
type OutboxDeps = { rollouts: RolloutStore; events: EventPublisher; logger: Logger };
type CreateDeps = OutboxDeps & { metrics: Metrics };

/**
 * Publishes outbox entries and deletes those whose events the bus accepted; the rest stay for the
 * next flush (at least once: a crash between publishing and deleting publishes an event again,
 * with the same `eventId`).
 */
export async function publishOutbox(
  deps: OutboxDeps,
  entries: OutboxEntry[],
): Promise<{ published: number; left: number }> {
  const accepted = await deps.events.publishAll(entries.flatMap((e) => e.events));
  const done = entries.filter((entry) => entry.events.every((event) => accepted.has(event.id)));
  if (done.length) await deps.rollouts.deleteEvents(done.map((e) => e.key));
  return { published: accepted.size, left: entries.length - done.length };
}

/** The sweep's part: publish whatever a failed or interrupted write left in the outbox. */
export async function flushOutbox(deps: OutboxDeps): Promise<{ published: number; left: number }> {
  let published = 0;
  for (let page = 0; page < OUTBOX_MAX_PAGES; page++) {
    const entries = await deps.rollouts.pendingEvents(OUTBOX_PAGE_SIZE);
    if (!entries.length) return { published, left: 0 };
    const result = await publishOutbox(deps, entries);
    published += result.published;
    // The bus refuses for now: stop, or the same entries would come back on every page.
    if (result.left) {
      deps.logger.warn('outbox not flushed: the event bus refused events', { left: result.left });
      return { published, left: result.left };
    }
  }
  return { published, left: (await deps.rollouts.pendingEvents(1)).length };
}

/**
 * Creates the rollout with its transition events in the outbox (same write), then publishes them:
 * the at-least-once replacement for `rollouts.create` followed by `events.publish('Rollout Started')`.
 */
export async function createRollout(deps: CreateDeps, rollout: Rollout): Promise<void> {
  const events = transitionEvents(undefined, rollout, rollout.version);
  await deps.rollouts.create(rollout, events);
  deps.metrics.record(rolloutMetricPoints(undefined, rollout));
  await publishWritten(deps, events);
}

/**
 * Publishes what one write put in the outbox. Its entries are deleted only when every event got
 * through (the store may have grouped them); otherwise the flush publishes them again.
 */
export async function publishWritten(deps: OutboxDeps, events: ReturnType<typeof transitionEvents>): Promise<void> {
  if (!events.length) return;
  const accepted = await deps.events.publishAll(events);
  if (events.every((e) => accepted.has(e.id))) await deps.rollouts.deleteEvents(events.map((e) => e.sequence));
}
