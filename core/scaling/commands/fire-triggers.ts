import { readingAlarmsOnce } from '../../alarms/queries/alarm-reads';
import { errorMessage } from '../../kernel/errors';
import { cooldownOver, nodegroupLock, type ScaleTrigger, type ScalingPolicy } from '../domain/records';
import type { SizeRequest } from '../domain/sizes';
import type { ScalingDeps } from '../scaling-deps';
import { type NodegroupTarget, type ScaleStart, startScale } from './start-scale';

export type FireOutcome = ScaleStart | { started: false; reason: string; waiting: true };

/**
 * A schedule's occurrence came (EventBridge Scheduler, or the sandbox clock). Each occurrence fires
 * once: a late or repeated delivery of it, or of an older one, does nothing.
 */
export async function fireSchedule(
  deps: ScalingDeps,
  target: NodegroupTarget & { schedule: string },
  occurrence: string,
): Promise<FireOutcome> {
  const schedule = await deps.scaling.getSchedule(target.cluster, target.nodegroup, target.schedule);
  if (!schedule) return { started: false, reason: `schedule ${target.schedule} no longer exists` };
  if (!(await deps.scaling.claimScheduleFiring(schedule, occurrence)))
    return { started: false, reason: `occurrence ${occurrence} was already handled (or a later one)` };
  try {
    return await fire(deps, target, { kind: 'schedule', schedule: schedule.name, occurrence });
  } catch (error) {
    // A throttled or failed call must not use the occurrence up: the retried delivery fires it.
    await deps.scaling.releaseScheduleFiring(schedule, occurrence);
    throw error;
  }
}

/**
 * An alarm's policy may act: the alarm is in the state the policy is bound to and the cooldown has
 * passed. Of concurrent deliveries, the one that records the firing (compare-and-set) acts.
 * `enteredAt` is when the alarm entered the state (events); a change older than the last firing is late.
 */
export async function firePolicy(deps: ScalingDeps, policy: ScalingPolicy, enteredAt?: string): Promise<FireOutcome> {
  const now = deps.now();
  if (enteredAt && policy.lastFiredAt && Date.parse(enteredAt) < Date.parse(policy.lastFiredAt))
    return { started: false, reason: 'a late event: the policy fired since the alarm entered this state' };
  if (!cooldownOver(policy, now)) return { started: false, reason: `in cooldown since ${policy.lastFiredAt}` };
  const target = { cluster: policy.cluster, nodegroup: policy.nodegroup };
  const holder = await deps.operations.lockHolder(nodegroupLock(policy.cluster, policy.nodegroup));
  const trigger: ScaleTrigger = { kind: 'policy', policy: policy.name, alarm: policy.alarm };
  if (holder && (await deps.scaling.addWaiting(policy.cluster, policy.nodegroup, trigger)))
    return { started: false, reason: `waits for operation ${holder}`, waiting: true };
  const claimedAt = now.toISOString();
  if (!(await deps.scaling.claimPolicyFiring(policy, claimedAt)))
    return { started: false, reason: 'another delivery fired the policy' };
  try {
    return await fire(deps, target, trigger);
  } catch (error) {
    // A failed firing spends no cooldown: the retried event (or the sweep) fires it.
    await deps.scaling.releasePolicyFiring(policy, claimedAt);
    throw error;
  }
}

/** Triggers that fired while a change ran, evaluated again now that it is over. */
export async function fireWaitingTriggers(
  deps: ScalingDeps,
  target: NodegroupTarget,
  waiting: ScaleTrigger[],
): Promise<void> {
  deps = readingAlarmsOnce(deps); // several waiting policies may share an alarm: one read each
  // The latest of each schedule and each policy once: what they ask is judged on the sizes now.
  const unique = new Map(waiting.map((t) => [triggerKey(t), t]));
  for (const trigger of unique.values()) {
    try {
      if (trigger.kind === 'schedule') await fire(deps, target, trigger);
      else if (trigger.kind === 'policy') {
        const policy = (await deps.scaling.listPolicies(target.cluster, target.nodegroup)).find(
          (p) => p.name === trigger.policy,
        );
        if (!policy) continue;
        const state = (await deps.alarms.states([policy.alarm]))[policy.alarm];
        if (state === policy.state) await firePolicy(deps, policy);
      }
    } catch (error) {
      deps.logger.warn('a waiting scaling trigger failed', { ...target, trigger, error: errorMessage(error) });
    }
  }
}

function triggerKey(trigger: ScaleTrigger): string {
  if (trigger.kind === 'schedule') return `schedule/${trigger.schedule}`;
  if (trigger.kind === 'policy') return `policy/${trigger.policy}`;
  return `api/${trigger.principal}`;
}

/** Starts the change a trigger asks for, or leaves the trigger waiting for the change in flight. */
async function fire(deps: ScalingDeps, target: NodegroupTarget, trigger: ScaleTrigger): Promise<FireOutcome> {
  const ask = await askOf(deps, target, trigger);
  if (!ask) return { started: false, reason: 'its schedule or policy no longer exists' };
  const result = await startScale(deps, target, ask, trigger);
  if (result.started || !result.heldBy) return result;
  if (await deps.scaling.addWaiting(target.cluster, target.nodegroup, trigger))
    return { started: false, reason: `waits for operation ${result.heldBy}`, waiting: true };
  return startScale(deps, target, ask, trigger); // the holder finished in between: try once more
}

async function askOf(deps: ScalingDeps, target: NodegroupTarget, trigger: ScaleTrigger) {
  if (trigger.kind === 'schedule') {
    const s = await deps.scaling.getSchedule(target.cluster, target.nodegroup, trigger.schedule);
    if (!s) return undefined;
    const request: SizeRequest =
      s.desiredSize !== undefined
        ? { kind: 'desired', desiredSize: s.desiredSize, minSize: s.minSize, maxSize: s.maxSize }
        : { kind: 'bounds', minSize: s.minSize, maxSize: s.maxSize };
    return { by: 'automation' as const, request };
  }
  if (trigger.kind === 'policy') {
    const policy = (await deps.scaling.listPolicies(target.cluster, target.nodegroup)).find(
      (p) => p.name === trigger.policy,
    );
    return policy ? { by: 'adjustment' as const, adjustment: policy.adjustment } : undefined;
  }
  return undefined;
}
