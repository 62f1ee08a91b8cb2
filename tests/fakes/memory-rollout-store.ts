import { ConflictError, ValidationError, VersionConflictError } from '../../core/kernel/errors';
import type { TransitionEvent } from '../../core/kernel/ports/events';
import { transitionEvents } from '../../core/rollouts/domain/rollout-events';
import { isActive, type Rollout } from '../../core/rollouts/domain/types';
import {
  isListPosition,
  type OutboxEntry,
  type RolloutListQuery,
  type RolloutPage,
  type RolloutStore,
  rolloutListPosition,
} from '../../core/rollouts/ports/rollout-store';

/** Same contract as the DynamoDB store, in memory: for unit tests of the use cases. */
export class MemoryRolloutStore implements RolloutStore {
  private readonly rollouts = new Map<string, Rollout>();
  private readonly locks = new Map<string, string>();
  /** Outbox entries by key (one event each: memory has no transaction limit). */
  private readonly outbox = new Map<string, TransitionEvent[]>();

  async create(rollout: Rollout, events = transitionEvents(undefined, rollout, rollout.version)): Promise<void> {
    const key = `${rollout.cluster}/${rollout.namespace}/${rollout.deployment}`;
    const active = this.locks.get(key);
    if (active)
      throw new ConflictError(`deployment already has an active rollout (${active})`, {
        details: [{ field: 'deployment', reason: `rollout ${active} is active on this Deployment` }],
      });
    if (this.rollouts.has(rollout.id)) throw new ConflictError(`rollout ${rollout.id} exists`);
    this.locks.set(key, rollout.id);
    this.rollouts.set(rollout.id, structuredClone(rollout));
    this.addToOutbox(events);
  }

  async get(id: string): Promise<Rollout | undefined> {
    const r = this.rollouts.get(id);
    return r && structuredClone(r);
  }

  async save(rollout: Rollout, events: TransitionEvent[] = []): Promise<Rollout> {
    const stored = this.rollouts.get(rollout.id);
    if (!stored || stored.version !== rollout.version)
      throw new VersionConflictError(`rollout ${rollout.id} was changed by someone else`);
    const written = { ...structuredClone(rollout), version: rollout.version + 1 };
    this.rollouts.set(rollout.id, written);
    const key = `${rollout.cluster}/${rollout.namespace}/${rollout.deployment}`;
    if (!isActive(rollout) && this.locks.get(key) === rollout.id) this.locks.delete(key);
    this.addToOutbox(events);
    return structuredClone(written);
  }

  async activeForAlarm(alarmName: string): Promise<Rollout[]> {
    return [...this.rollouts.values()]
      .filter((r) => isActive(r) && r.alarms.includes(alarmName))
      .map((r) => structuredClone(r));
  }

  /** Same order and page positions as the DynamoDB store's index (`<ns>/<deployment>#<createdAt>#<id>`, descending). */
  async list(query: RolloutListQuery): Promise<RolloutPage> {
    const after = query.after;
    if (after !== undefined && !isListPosition(after, query))
      throw ValidationError.forField('nextToken', 'is not a token from a previous page of this list');
    const hidden = new Set(query.hiddenNamespaces ?? []);
    const matching = [...this.rollouts.values()]
      .filter(
        (r) =>
          r.cluster === query.cluster &&
          !hidden.has(r.namespace) &&
          (!query.namespace || r.namespace === query.namespace) &&
          (!query.deployment || r.deployment === query.deployment),
      )
      .sort((a, b) => sortKey(b).localeCompare(sortKey(a)))
      .filter((r) => after === undefined || sortKey(r) < after);
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    return {
      rollouts: page.map((r) => structuredClone(r)),
      ...(matching.length > query.limit && last ? { next: sortKey(last) } : {}),
    };
  }

  async listActive(): Promise<Rollout[]> {
    return [...this.rollouts.values()].filter(isActive).map((r) => structuredClone(r));
  }

  async pendingEvents(limit: number): Promise<OutboxEntry[]> {
    return [...this.outbox.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, limit)
      .map(([key, events]) => ({ key, events: structuredClone(events) }));
  }

  async deleteEvents(keys: string[]): Promise<void> {
    for (const key of keys) this.outbox.delete(key);
  }

  private addToOutbox(events: TransitionEvent[]): void {
    for (const event of events) this.outbox.set(event.sequence, [structuredClone(event)]);
  }
}

const sortKey = rolloutListPosition;
