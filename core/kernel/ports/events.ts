/**
 * One transition as published on the bus (source `eksflow`; a rollout's are `Rollout <type>`, rollout-events.ts).
 * `detail.eventId` is stable across redeliveries (`<rolloutId>:<version>:<i>`): events are published
 * at least once, and consumers drop the duplicates by that id.
 */
export interface TransitionEvent {
  id: string;
  /** Sorts the events of one rollout in the order they happened (`<rolloutId>#<version>#<i>`, zero-padded). */
  sequence: string;
  detailType: string;
  detail: Record<string, unknown>;
}

/** Publishes what happened (EventBridge, source `eksflow`) so teams can notify. */
export interface EventPublisher {
  /** Best effort: a failure is logged, never thrown. */
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
  /** Publishes each event, returning the ids of those the bus accepted (the rest stay in the outbox). Never throws. */
  publishAll(events: TransitionEvent[]): Promise<Set<string>>;
}
