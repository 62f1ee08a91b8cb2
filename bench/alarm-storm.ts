import { SANDBOX_ADMIN } from '../local/sandbox/identities';
import { gateCallCounts } from '../tools/aws-gate/call-counts';
import { byFunction, callsByAction } from './calls';

/** The storm: 1,000 ALARM events, 25 at a time (EventBridge's retries and duplicates arrive in bursts). */
const STORM_EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? 1000);
const STORM_CONCURRENCY = 25;
/** As the "must be true" runs it (and the chaos suite): 100 paused rollouts. */
const STORM_ROLLOUTS = Number(process.env.BENCH_STORM_ROLLOUTS ?? 100);
/** The goal for the time until the last stable is restored. */
const RESTORED_GOAL_MS = 5000;

/**
 * Alarm storm under the DescribeAlarms quota: `STORM_ROLLOUTS` paused rollouts guarded by one alarm, then
 * `STORM_EVENTS` copies of its ALARM event posted to /_local/events, on a runtime of its own whose
 * DescribeAlarms requests are counted and held to AWS's 9 a second. Prints the handler's p50/p99 (HTTP round
 * trip of each event), the status codes, eksflow's DescribeAlarms requests during the storm (goal: one per
 * distinct state change, here one), and how long until the last stable Deployment is restored.
 */
export async function alarmStormSection(): Promise<string[]> {
  const storm = await import('../tests/helpers/alarm-storm');
  const { testStack } = await import('../tests/helpers/stack');
  const stormCalls = (reset = false) =>
    gateCallCounts(testStack().awsEndpoint, testStack().region, SANDBOX_ADMIN, { reset });
  const { runtime, describeAlarms } = await storm.startMeteredRuntime();
  try {
    const setupStarted = { ...describeAlarms };
    const world = await storm.prepareStorm(runtime, STORM_ROLLOUTS);
    const setup = {
      calls: describeAlarms.calls - setupStarted.calls,
      throttled: describeAlarms.throttled - setupStarted.throttled,
    };
    // Every event comes from the storm: the bridge would add its own on the state change.
    await runtime.alarms.stop();
    await stormCalls(true);
    const figures = await storm.runStorm(runtime, world, {
      events: STORM_EVENTS,
      concurrency: STORM_CONCURRENCY,
      describeAlarms,
    });
    const calls = await stormCalls();
    const counts = [...(await storm.abortCounts(runtime, world)).values()];
    const abortedOnce = counts.filter((n) => n === 1).length;
    const p = (q: number) => storm.percentile(figures.latenciesMs, q).toFixed(0);
    const reads = figures.describeAlarms;
    if (!reads) throw new Error('runStorm reports the DescribeAlarms calls of the meter it was given');
    return [
      `alarm storm (${STORM_EVENTS} ALARM events, ${STORM_CONCURRENCY} at a time, over ${STORM_ROLLOUTS} paused rollouts guarded by one alarm; DescribeAlarms held to 9/s):`,
      `  handler p50 ${p(50)} ms, p99 ${p(99)} ms, worst ${p(100)} ms; status codes ${JSON.stringify(figures.statuses)}`,
      `  DescribeAlarms during the storm: ${reads.calls} (goal: 1, one distinct state change), ${reads.throttled} throttled; while starting the ${STORM_ROLLOUTS} rollouts: ${setup.calls}, ${setup.throttled} throttled`,
      `  AWS calls of eksflow's functions from the first event until the last stable was restored: ${callsByAction(byFunction(calls))}`,
      `  last stable restored ${(figures.lastStableRestoredMs / 1000).toFixed(2)} s after the first event (goal ≤ ${RESTORED_GOAL_MS / 1000} s); aborted exactly once: ${abortedOnce}/${counts.length}`,
    ];
  } finally {
    await runtime.close();
  }
}
