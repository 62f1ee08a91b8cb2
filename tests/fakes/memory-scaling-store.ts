import { ConflictError } from '../../core/kernel/errors';
import type { OperationStore } from '../../core/operations/ports/operation-store';
import {
  nodegroupLock,
  type ScaleTrigger,
  type ScalingPolicy,
  type ScalingSchedule,
} from '../../core/scaling/domain/records';
import type { ScalingStore } from '../../core/scaling/ports/scaling-store';

/**
 * In-process store with the same semantics as the DynamoDB one; for unit tests. A node group's lock is the operation
 * lock of `operations` (pass the deps' operation store: waiting triggers need to see it).
 */
export class MemoryScalingStore implements ScalingStore {
  private readonly waiting = new Map<string, ScaleTrigger[]>();
  private readonly recent = new Map<string, { id: string; at: string }[]>();
  private readonly schedules = new Map<string, ScalingSchedule>();
  private readonly policies = new Map<string, ScalingPolicy>();

  constructor(private readonly operations: OperationStore) {}

  async addWaiting(cluster: string, nodegroup: string, trigger: ScaleTrigger) {
    if (!(await this.operations.lockHolder(nodegroupLock(cluster, nodegroup)))) return false;
    const list = this.waiting.get(key(cluster, nodegroup)) ?? [];
    list.push(clone(trigger));
    this.waiting.set(key(cluster, nodegroup), list);
    return true;
  }

  async takeWaiting(cluster: string, nodegroup: string) {
    const list = this.waiting.get(key(cluster, nodegroup)) ?? [];
    this.waiting.delete(key(cluster, nodegroup));
    return list;
  }

  async addRecentOperation(cluster: string, nodegroup: string, operationId: string, at: string) {
    const list = this.recent.get(key(cluster, nodegroup)) ?? [];
    list.push({ id: operationId, at });
    this.recent.set(key(cluster, nodegroup), list);
  }

  async recentOperations(cluster: string, nodegroup: string, limit: number) {
    const list = [...(this.recent.get(key(cluster, nodegroup)) ?? [])];
    return list
      .sort((a, b) => b.at.localeCompare(a.at))
      .slice(0, limit)
      .map((r) => r.id);
  }

  async createSchedule(schedule: ScalingSchedule) {
    createIn(this.schedules, 'schedule', schedule);
  }

  async listSchedules(cluster: string, nodegroup: string) {
    return [...this.schedules.values()].filter((s) => s.cluster === cluster && s.nodegroup === nodegroup).map(clone);
  }

  async allSchedules() {
    return [...this.schedules.values()].map(clone);
  }

  async getSchedule(cluster: string, nodegroup: string, name: string) {
    return clone(this.schedules.get(key(cluster, nodegroup, name)));
  }

  async deleteSchedule(cluster: string, nodegroup: string, name: string) {
    return this.schedules.delete(key(cluster, nodegroup, name));
  }

  async claimScheduleFiring(schedule: ScalingSchedule, occurrence: string) {
    const stored = this.schedules.get(key(schedule.cluster, schedule.nodegroup, schedule.name));
    if (!stored || (stored.lastOccurrence !== undefined && stored.lastOccurrence >= occurrence)) return false;
    stored.lastOccurrence = occurrence;
    return true;
  }

  async releaseScheduleFiring(schedule: ScalingSchedule, occurrence: string) {
    const stored = this.schedules.get(key(schedule.cluster, schedule.nodegroup, schedule.name));
    if (stored?.lastOccurrence === occurrence) stored.lastOccurrence = schedule.lastOccurrence;
  }

  async createPolicy(policy: ScalingPolicy) {
    createIn(this.policies, 'policy', policy);
  }

  async listPolicies(cluster: string, nodegroup: string) {
    return [...this.policies.values()].filter((p) => p.cluster === cluster && p.nodegroup === nodegroup).map(clone);
  }

  async policiesForAlarm(alarm: string) {
    return [...this.policies.values()].filter((p) => p.alarm === alarm).map(clone);
  }

  async allPolicies() {
    return [...this.policies.values()].map(clone);
  }

  async deletePolicy(cluster: string, nodegroup: string, name: string) {
    return this.policies.delete(key(cluster, nodegroup, name));
  }

  async claimPolicyFiring(policy: ScalingPolicy, now: string) {
    const stored = this.policies.get(key(policy.cluster, policy.nodegroup, policy.name));
    if (!stored || stored.lastFiredAt !== policy.lastFiredAt) return false;
    stored.lastFiredAt = now;
    return true;
  }

  async releasePolicyFiring(policy: ScalingPolicy, claimedAt: string) {
    const stored = this.policies.get(key(policy.cluster, policy.nodegroup, policy.name));
    if (stored?.lastFiredAt === claimedAt) stored.lastFiredAt = policy.lastFiredAt;
  }
}

/** Stores a copy of `record` under its name, or a 409 naming the field when the name is taken on the node group. */
function createIn<T extends ScalingSchedule | ScalingPolicy>(records: Map<string, T>, kind: string, record: T): void {
  const k = key(record.cluster, record.nodegroup, record.name);
  if (records.has(k))
    throw new ConflictError(`${kind} ${record.name} already exists on ${record.cluster}/${record.nodegroup}`, {
      details: [{ field: 'name', reason: 'already exists' }],
    });
  records.set(k, clone(record));
}

function key(...parts: string[]): string {
  return parts.join('#');
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
