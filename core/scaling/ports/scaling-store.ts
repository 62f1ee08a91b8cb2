import type { ScaleTrigger, ScalingPolicy, ScalingSchedule } from '../domain/records';

/** Node-group scaling records: the triggers waiting for a change, the recent operations, schedules and policies. */
export interface ScalingStore {
  /**
   * Adds a trigger to wait for the change holding the node group's lock (`nodegroupLock`); false when no change
   * holds it any more (fire it now instead). Atomic with the lock's release: a trigger added before it is handed
   * to `takeWaiting`, one after it is refused.
   */
  addWaiting(cluster: string, nodegroup: string, trigger: ScaleTrigger): Promise<boolean>;
  /** Removes and returns the triggers that waited, oldest first (the change that ended takes them). */
  takeWaiting(cluster: string, nodegroup: string): Promise<ScaleTrigger[]>;

  addRecentOperation(cluster: string, nodegroup: string, operationId: string, at: string): Promise<void>;
  /** Newest first. */
  recentOperations(cluster: string, nodegroup: string, limit: number): Promise<string[]>;

  /** Fails with ConflictError if the name is taken on that node group. */
  createSchedule(schedule: ScalingSchedule): Promise<void>;
  listSchedules(cluster: string, nodegroup: string): Promise<ScalingSchedule[]>;
  /** Every stored schedule (the sandbox fires them itself). */
  allSchedules(): Promise<ScalingSchedule[]>;
  getSchedule(cluster: string, nodegroup: string, name: string): Promise<ScalingSchedule | undefined>;
  deleteSchedule(cluster: string, nodegroup: string, name: string): Promise<boolean>;
  /** Records a firing for `occurrence` unless one for it (or a later one) is recorded: true if this call did. */
  claimScheduleFiring(schedule: ScalingSchedule, occurrence: string): Promise<boolean>;
  /** Undoes a claim whose firing failed (its retry may claim again), unless a later firing replaced it. */
  releaseScheduleFiring(schedule: ScalingSchedule, occurrence: string): Promise<void>;

  createPolicy(policy: ScalingPolicy): Promise<void>;
  listPolicies(cluster: string, nodegroup: string): Promise<ScalingPolicy[]>;
  policiesForAlarm(alarm: string): Promise<ScalingPolicy[]>;
  /** Every policy (the sweep re-judges them all). */
  allPolicies(): Promise<ScalingPolicy[]>;
  deletePolicy(cluster: string, nodegroup: string, name: string): Promise<boolean>;
  /**
   * Records a firing at `now` if the policy last fired at `expectedLastFiredAt` (compare-and-set): the
   * one delivery of five duplicates that wins scales; the others find the policy already fired.
   */
  claimPolicyFiring(policy: ScalingPolicy, now: string): Promise<boolean>;
  /** Undoes a claim whose firing failed: the cooldown was not spent. */
  releasePolicyFiring(policy: ScalingPolicy, claimedAt: string): Promise<void>;
}
