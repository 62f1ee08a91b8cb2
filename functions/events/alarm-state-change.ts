import { readingAlarmsOnce } from '../../core/alarms/queries/alarm-reads';
import { parseAlarmStateChange } from '../../core/alarms/requests/alarm-event';
import { Coalescer } from '../../core/kernel/concurrency';
import { type AlarmOutcome, changeKey, onAlarmStateChange } from '../../core/rollouts/commands/on-alarm';
import { firePoliciesForAlarm, type PolicyOutcome } from '../../core/scaling/commands/scaling-policies-on-alarm';
import { metrics, sleep } from '../../core/wiring/context';
import { rolloutStore } from '../../core/wiring/dynamodb';
import { wired } from '../container';
import { scalingPortsOf } from '../scaling-ports';
import { rolloutPassPortsOf } from '../tasks/rollout/ports';

/**
 * How long a handled change is remembered, so its duplicates (EventBridge delivers at least once, and
 * a storm repeats one change many times) cost nothing: long enough to cover a burst of retries, short
 * enough that memory stays small. A change that failed is not remembered: its retry does the work.
 */
const HANDLED_CHANGE_TTL_MS = 5 * 60 * 1000;
/** Distinct changes remembered at once (an alarm flapping every second for the TTL is 300). */
const HANDLED_CHANGES_KEPT = 1000;

/**
 * One pair per wiring (a Lambda container has one; the local runtime and tests install theirs): the rollouts'
 * half and the scaling half of a change are each done once, and their duplicates share the result.
 */
const coalescers = new WeakMap<object, { rollouts: Coalescer<AlarmOutcome>; scaling: Coalescer<PolicyOutcome> }>();

function coalescersFor(deps: object) {
  let pair = coalescers.get(deps);
  if (!pair) {
    const options = { ttlMs: HANDLED_CHANGE_TTL_MS, capacity: HANDLED_CHANGES_KEPT };
    pair = { rollouts: new Coalescer<AlarmOutcome>(options), scaling: new Coalescer<PolicyOutcome>(options) };
    coalescers.set(deps, pair);
  }
  return pair;
}

/** The rollouts it aborts or resumes, and the scaling policies it fires. */
export const ports = wired((w) => ({
  ...scalingPortsOf(w),
  rollouts: rolloutStore(w),
  ...rolloutPassPortsOf(w),
  metrics: metrics(w),
  sleep: sleep(w),
}));

/**
 * EventBridge "CloudWatch Alarm State Change" → abort the rollouts the alarm guards (or resume them on OK),
 * and fire the scaling policies bound to the alarm's new state. The two are independent: one failing
 * does not hold the other back; then the delivery fails so that it is retried (both are idempotent).
 */
export async function main(event: unknown) {
  const own = ports();
  // Both halves read the alarm through one reader: at most one DescribeAlarms per invocation.
  const deps = readingAlarmsOnce(own);
  const change = parseAlarmStateChange(event);
  const coalesce = coalescersFor(own);
  const [rollouts, scaling] = await Promise.allSettled([
    onAlarmStateChange(deps, change, coalesce.rollouts),
    // A duplicate of a change whose policies were already fired (or found absent) costs no store read: a storm of
    // 1,000 copies once made 1,000 policy Queries that slowed the aborts' own store calls (bench, alarm storm).
    coalesce.scaling.run(changeKey(change), () => firePoliciesForAlarm(deps, change)).then((r) => r.value),
  ]);
  if (rollouts.status === 'rejected') throw rollouts.reason;
  if (scaling.status === 'rejected') throw scaling.reason;
  return { ...rollouts.value, scaling: scaling.value };
}
