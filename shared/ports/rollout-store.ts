import type { TransitionEvent } from '../domain/rollout-events';
import type { Rollout } from '../domain/rollout/types';

export interface RolloutFilter {
  cluster: string;
  namespace?: string;
  deployment?: string;
}

export interface RolloutListQuery extends RolloutFilter {
  limit: number;
  /** Opaque token from the previous page; a token the store did not issue for this filter is a ValidationError. */
  nextToken?: string;
}

export interface RolloutPage {
  rollouts: Rollout[];
  nextToken?: string;
}

/** Transition events written with the record they describe, waiting to be published (the outbox). */
export interface OutboxEntry {
  key: string;
  events: TransitionEvent[];
}

/**
 * Durable rollouts. The store keeps three things beside each rollout, written atomically with it: a
 * lock per Deployment (one active rollout each), an entry per guarding alarm while active, and the
 * outbox of transition events not yet published.
 */
export interface RolloutStore {
  /**
   * ConflictError (naming the active rollout) when the Deployment already has an active rollout.
   * `events` go to the outbox in the same write; by default one per history entry of the new rollout.
   */
  create(rollout: Rollout, events?: TransitionEvent[]): Promise<void>;
  get(id: string): Promise<Rollout | undefined>;
  /**
   * Writes `rollout` if the stored version is still `rollout.version`; the stored copy gets version+1.
   * VersionConflictError otherwise. A rollout that leaves Progressing/Paused releases its lock and alarm entries.
   * `events` go to the outbox in the same write.
   */
  save(rollout: Rollout, events?: TransitionEvent[]): Promise<Rollout>;
  /** Active rollouts guarded by the alarm (via the alarm index). */
  activeForAlarm(alarmName: string): Promise<Rollout[]>;
  /** Newest first, one page at a time. */
  list(query: RolloutListQuery): Promise<RolloutPage>;
  /** Every active rollout (the periodic sweep). */
  listActive(): Promise<Rollout[]>;
  /** Outbox entries not yet published, oldest first per rollout. */
  pendingEvents(limit: number): Promise<OutboxEntry[]>;
  /** Removes published outbox entries; removing one already gone is not an error. */
  deleteEvents(keys: string[]): Promise<void>;
}
