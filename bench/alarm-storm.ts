import type { TestRuntime } from '../tests/helpers/stack';

/** The storm: 1,000 ALARM events, 25 at a time (EventBridge's retries and duplicates arrive in bursts). */
const STORM_EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? 1000);
const STORM_CONCURRENCY = 25;
/** The baseline ran 50 paused rollouts; the chaos suite runs 100. */
const STORM_ROLLOUTS = Number(process.env.BENCH_STORM_ROLLOUTS ?? 50);

/**
 * Alarm storm: `STORM_ROLLOUTS` paused rollouts guarded by one alarm, then `STORM_EVENTS` copies of its
 * ALARM event posted to /_local/events. Prints the handler's p50/p99 (HTTP round trip of each event),
 * the status codes, and how long until the last stable Deployment is restored.
 */
export async function alarmStormSection(runtime: TestRuntime): Promise<string[]> {
  const storm = await import('../tests/helpers/alarm-storm');
  const world = await storm.prepareStorm(runtime, STORM_ROLLOUTS);
  // Every event comes from the storm: the bridge would add its own on the state change.
  await runtime.alarms.stop();
  const figures = await storm.runStorm(runtime, world, { events: STORM_EVENTS, concurrency: STORM_CONCURRENCY });
  const counts = [...(await storm.abortCounts(runtime, world)).values()];
  const abortedOnce = counts.filter((n) => n === 1).length;
  const p = (q: number) => storm.percentile(figures.latenciesMs, q).toFixed(0);
  return [
    `alarm storm (${STORM_EVENTS} ALARM events, ${STORM_CONCURRENCY} at a time, over ${STORM_ROLLOUTS} paused rollouts guarded by one alarm):`,
    `  handler p50 ${p(50)} ms, p99 ${p(99)} ms, worst ${p(100)} ms; status codes ${JSON.stringify(figures.statuses)}`,
    `  last stable restored ${(figures.lastStableRestoredMs / 1000).toFixed(2)} s after the first event; aborted exactly once: ${abortedOnce}/${counts.length}`,
  ];
}
