import type { Adjustment } from './adjustment';
import type { NodegroupSizes } from './sizes';

/** What set a scale operation off: a person through the API, a schedule, or an alarm policy. */
/**
 * The one-change-at-a-time lock of a node group: an operation lock (operations/domain/operation-locks.ts), taken by
 * the ScaleNodegroup record's create and released by the write that ends it.
 */
export function nodegroupLock(cluster: string, nodegroup: string): string {
  return `${NODEGROUP_LOCKS}${cluster}/${nodegroup}`;
}

/** The prefix every node-group lock starts with (the sweep lists them by it). */
export const NODEGROUP_LOCKS = 'nodegroup:';

export type ScaleTrigger =
  | { kind: 'api'; principal: string }
  | { kind: 'schedule'; schedule: string; occurrence: string }
  | { kind: 'policy'; policy: string; alarm: string };

/** A scheduled size change of one node group (an EventBridge Scheduler schedule, deployed). */
export interface ScalingSchedule {
  cluster: string;
  nodegroup: string;
  name: string;
  /** `cron(m h dom mon dow year)` or `rate(n unit)`, as EventBridge Scheduler takes them. */
  schedule: string;
  /** IANA time zone the cron fields are read in. */
  timezone: string;
  desiredSize?: number;
  minSize?: number;
  maxSize?: number;
  startDate?: string;
  endDate?: string;
  createdAt: string;
  createdBy: string;
  /** The latest occurrence that fired (ISO), so a late or repeated firing of it does nothing. */
  lastOccurrence?: string;
}

/** An alarm bound to an adjustment of one node group. */
export interface ScalingPolicy {
  cluster: string;
  nodegroup: string;
  name: string;
  alarm: string;
  /** ALARM by default; a policy bound to OK fires when the alarm recovers. */
  state: 'ALARM' | 'OK';
  adjustment: Adjustment;
  cooldownSeconds: number;
  createdAt: string;
  createdBy: string;
  lastFiredAt?: string;
}

/** What a scale operation records beyond the generic operation: who, from what to what, and what it saw. */
export interface ScaleRecord {
  nodegroup: string;
  trigger: ScaleTrigger;
  requestedBy: string;
  from: NodegroupSizes;
  to: NodegroupSizes;
  /** Pending pods the change was computed for (fitPendingPods). */
  fittingPods?: string[];
  updateId?: string;
  /** Pods per node of the group before a scale-in, to count the rescheduled ones after it. */
  podsPerNodeBefore?: Record<string, number>;
  podsRescheduled?: number;
}

/** Whether the policy may fire at `now`: never fired, or its cooldown has passed since it last did. */
export function cooldownOver(policy: ScalingPolicy, now: Date): boolean {
  if (!policy.lastFiredAt) return true;
  return now.getTime() - Date.parse(policy.lastFiredAt) >= policy.cooldownSeconds * 1000;
}

/** Who a trigger acts for, as the operation records it. */
export function requesterOf(trigger: ScaleTrigger): string {
  if (trigger.kind === 'api') return trigger.principal;
  if (trigger.kind === 'schedule') return `schedule/${trigger.schedule}`;
  return `policy/${trigger.policy}`;
}

export function isScaleIn(record: Pick<ScaleRecord, 'from' | 'to'>): boolean {
  return record.to.desiredSize < record.from.desiredSize;
}
