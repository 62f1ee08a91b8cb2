import type { TransitionEvent } from '../../kernel/ports/events';
import type { Rollout } from '../domain/types';

export interface RolloutFilter {
  cluster: string;
  namespace?: string;
  deployment?: string;
}

export interface RolloutListQuery extends RolloutFilter {
  limit: number;
  /**
   * Start after this position (a `next` of an earlier page of the same filter): the API keeps it sealed in its
   * page token, so a client never sees it. A position outside the filter is a ValidationError naming `nextToken`.
   */
  after?: string;
  /**
   * Namespaces whose rollouts are never returned (the protected ones the caller may not read, on a list of the
   * whole cluster): the store leaves them out in its query, so a page never holds, nor ends on, one of them.
   */
  hiddenNamespaces?: string[];
}

export interface RolloutPage {
  rollouts: Rollout[];
  /** The position of the page's last rollout, when more follow: where the next page starts. */
  next?: string;
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

/**
 * A rollout's place in a list (both stores order by it, descending): `<ns>/<deployment>#<createdAt>#<id>`, the
 * DynamoDB store's gsi1 sort key.
 */
export function rolloutListPosition(r: Pick<Rollout, 'namespace' | 'deployment' | 'createdAt' | 'id'>): string {
  return `${r.namespace}/${r.deployment}#${r.createdAt}#${r.id}`;
}

/** The positions a filter lists start with (`''`: the whole cluster). */
export function rolloutListPrefix(filter: RolloutFilter): string {
  return filter.namespace ? `${filter.namespace}/${filter.deployment ? `${filter.deployment}#` : ''}` : '';
}

/** A position that could come from this filter's list; checked before a store starts from it. */
export function isListPosition(position: string, filter: RolloutFilter & { hiddenNamespaces?: string[] }): boolean {
  return (
    /^[^/]+\/[^#]+#[^#]+#[^#]+$/.test(position) &&
    position.startsWith(rolloutListPrefix(filter)) &&
    !(filter.hiddenNamespaces ?? []).some((ns) => position.startsWith(`${ns}/`))
  );
}
