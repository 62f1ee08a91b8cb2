import type { Rollout } from '../domain/rollout/types';

export interface RolloutFilter {
  cluster: string;
  namespace?: string;
  deployment?: string;
}

/**
 * Durable rollouts. The store keeps two indexes beside each active rollout, written atomically with
 * it: a lock per Deployment (one active rollout each) and an entry per guarding alarm.
 */
export interface RolloutStore {
  /** ConflictError (naming the active rollout) when the Deployment already has an active rollout. */
  create(rollout: Rollout): Promise<void>;
  get(id: string): Promise<Rollout | undefined>;
  /**
   * Writes `rollout` if the stored version is still `rollout.version`; the stored copy gets version+1.
   * VersionConflictError otherwise. A rollout that leaves Progressing/Paused releases its lock and alarm entries.
   */
  save(rollout: Rollout): Promise<Rollout>;
  /** Active rollouts guarded by the alarm (via the alarm index). */
  activeForAlarm(alarmName: string): Promise<Rollout[]>;
  list(filter: RolloutFilter): Promise<Rollout[]>;
  /** Every active rollout (the periodic sweep). */
  listActive(): Promise<Rollout[]>;
}
