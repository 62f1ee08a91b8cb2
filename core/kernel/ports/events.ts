import type { TransitionEvent } from '../../rollouts/domain/rollout-events';

/** Publishes what happened (EventBridge, source `eksflow`) so teams can notify. */
export interface EventPublisher {
  /** Best effort: a failure is logged, never thrown. */
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
  /** Publishes each event, returning the ids of those the bus accepted (the rest stay in the outbox). Never throws. */
  publishAll(events: TransitionEvent[]): Promise<Set<string>>;
}
