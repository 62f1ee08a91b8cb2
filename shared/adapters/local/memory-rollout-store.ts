import { isActive, type Rollout } from '../../domain/rollout/types';
import { ConflictError, VersionConflictError } from '../../errors';
import type { RolloutFilter, RolloutStore } from '../../ports/rollout-store';

/** Same contract as the DynamoDB store, in memory: for unit tests of the use cases. */
export class MemoryRolloutStore implements RolloutStore {
  private readonly rollouts = new Map<string, Rollout>();
  private readonly locks = new Map<string, string>();

  async create(rollout: Rollout): Promise<void> {
    const key = `${rollout.cluster}/${rollout.namespace}/${rollout.deployment}`;
    const active = this.locks.get(key);
    if (active)
      throw new ConflictError(`deployment already has an active rollout (${active})`, {
        details: [{ field: 'deployment', reason: `rollout ${active} is active on this Deployment` }],
      });
    if (this.rollouts.has(rollout.id)) throw new ConflictError(`rollout ${rollout.id} exists`);
    this.locks.set(key, rollout.id);
    this.rollouts.set(rollout.id, structuredClone(rollout));
  }

  async get(id: string): Promise<Rollout | undefined> {
    const r = this.rollouts.get(id);
    return r && structuredClone(r);
  }

  async save(rollout: Rollout): Promise<Rollout> {
    const stored = this.rollouts.get(rollout.id);
    if (!stored || stored.version !== rollout.version)
      throw new VersionConflictError(`rollout ${rollout.id} was changed by someone else`);
    const written = { ...structuredClone(rollout), version: rollout.version + 1 };
    this.rollouts.set(rollout.id, written);
    const key = `${rollout.cluster}/${rollout.namespace}/${rollout.deployment}`;
    if (!isActive(rollout) && this.locks.get(key) === rollout.id) this.locks.delete(key);
    return structuredClone(written);
  }

  async activeForAlarm(alarmName: string): Promise<Rollout[]> {
    return [...this.rollouts.values()]
      .filter((r) => isActive(r) && r.alarms.includes(alarmName))
      .map((r) => structuredClone(r));
  }

  async list(filter: RolloutFilter): Promise<Rollout[]> {
    return [...this.rollouts.values()]
      .filter(
        (r) =>
          r.cluster === filter.cluster &&
          (!filter.namespace || r.namespace === filter.namespace) &&
          (!filter.deployment || r.deployment === filter.deployment),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((r) => structuredClone(r));
  }

  async listActive(): Promise<Rollout[]> {
    return [...this.rollouts.values()].filter(isActive).map((r) => structuredClone(r));
  }
}
