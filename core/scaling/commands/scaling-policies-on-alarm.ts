import { checkAlarmChange } from '../../alarms/queries/alarm-reads';
import type { AlarmStateChange } from '../../alarms/requests/alarm-event';
import { settleEach } from '../../kernel/concurrency';
import { errorMessage, TransientError } from '../../kernel/errors';
import type { ScalingDeps } from '../scaling-deps';
import { firePolicy } from './fire-triggers';

/** Node groups one alarm change scales at once (each is a few store calls and one workflow start). */
const MAX_POLICIES_IN_FLIGHT = 4;

export interface PolicyOutcome {
  started: { policy: string; operationId: string }[];
  skipped: { policy: string; reason: string }[];
}

/**
 * The policies bound to an alarm's new state fire, each at most once per cooldown. The event acts only
 * if the alarm is still in that state (a late ALARM after recovery does nothing); OK fires only policies
 * bound to OK. A policy that fails does not stop the others; then this throws so the delivery is retried.
 */
export async function firePoliciesForAlarm(deps: ScalingDeps, change: AlarmStateChange): Promise<PolicyOutcome> {
  const outcome: PolicyOutcome = { started: [], skipped: [] };
  if (change.state !== 'ALARM' && change.state !== 'OK') return outcome;
  const policies = (await deps.scaling.policiesForAlarm(change.alarmName)).filter((p) => p.state === change.state);
  if (!policies.length) return outcome;
  // Shared with the rollouts' handling of the same event (the handler reads each alarm once per invocation),
  // and answered from the store for a change already verified.
  const check = await checkAlarmChange(deps, change);
  if (!check.current) {
    const reason = check.since
      ? `alarm is ${check.state} since ${check.since}`
      : `alarm is ${check.state ?? 'deleted'} now`;
    for (const p of policies) outcome.skipped.push({ policy: p.name, reason });
    return outcome;
  }
  return fireAll(deps, policies, change.time, outcome);
}

/**
 * The sweep: an alarm that stays in a policy's state past the cooldown scales again (step scaling as
 * users expect it), up to the bounds. Runs on the scaling sweep's schedule (and the sandbox clock).
 */
export async function sweepScalingPolicies(deps: ScalingDeps): Promise<PolicyOutcome> {
  const outcome: PolicyOutcome = { started: [], skipped: [] };
  const policies = await deps.scaling.allPolicies();
  const names = [...new Set(policies.map((p) => p.alarm))];
  // One batch (100 names a call) for every policy's alarm.
  const states = names.length ? await deps.alarms.states(names) : {};
  const now = deps.now();
  const due = policies.filter((p) => states[p.alarm] === p.state && now >= nextAllowed(p));
  return fireAll(deps, due, undefined, outcome);
}

function nextAllowed(p: { lastFiredAt?: string; cooldownSeconds: number }): Date {
  return new Date(p.lastFiredAt ? Date.parse(p.lastFiredAt) + p.cooldownSeconds * 1000 : 0);
}

async function fireAll(
  deps: ScalingDeps,
  policies: Awaited<ReturnType<ScalingDeps['scaling']['allPolicies']>>,
  enteredAt: string | undefined,
  outcome: PolicyOutcome,
): Promise<PolicyOutcome> {
  const results = await settleEach(policies, MAX_POLICIES_IN_FLIGHT, (p) => firePolicy(deps, p, enteredAt));
  const failed: string[] = [];
  for (const r of results) {
    const policy = `${r.item.cluster}/${r.item.nodegroup}/${r.item.name}`;
    if (!r.ok) failed.push(`${policy} (${errorMessage(r.error)})`);
    else if (r.value.started) outcome.started.push({ policy, operationId: r.value.operationId });
    else outcome.skipped.push({ policy, reason: r.value.reason });
  }
  deps.logger.info('scaling policies', { ...outcome, failed });
  if (failed.length) throw new TransientError(`scaling policies failed: ${failed.join('; ')}`);
  return outcome;
}
