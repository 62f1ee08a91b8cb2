import { abortCounts, prepareStorm, runStorm, type StormWorld, startMeteredRuntime } from '../helpers/alarm-storm';
import type { DescribeAlarmsMeter } from '../helpers/describe-alarms-quota';
import type { TestRuntime } from '../helpers/stack';

/**
 * Chaos suite: one alarm guarding 100 active rollouts goes to ALARM, and its event arrives 1,000 times, with
 * eksflow's DescribeAlarms held to the quota AWS documents (9 a second for the account).
 */
const ROLLOUTS = 100;
const EVENTS = 1000;
/** As the baseline posted them. */
const CONCURRENCY = 25;

describe('alarm storm under the DescribeAlarms quota', () => {
  let runtime: TestRuntime;
  let describeAlarms: DescribeAlarmsMeter;
  let world: StormWorld;
  beforeAll(async () => {
    ({ runtime, describeAlarms } = await startMeteredRuntime());
    world = await prepareStorm(runtime, ROLLOUTS);
    // Every event comes from the storm.
    await runtime.alarms.stop();
  }, 600000);
  afterAll(async () => runtime?.close());

  it(`${EVENTS} ALARM events over ${ROLLOUTS} active rollouts: each rollout aborted exactly once, no 5xx, one DescribeAlarms`, async () => {
    // Act
    const figures = await runStorm(runtime, world, { events: EVENTS, concurrency: CONCURRENCY, describeAlarms });

    // Assess
    expect(figures.statuses).toEqual({ 200: EVENTS });
    const counts = await abortCounts(runtime, world);
    expect([...counts.values()]).toEqual(Array(ROLLOUTS).fill(1));
    // One distinct state change: one read of the alarm, whatever the number of its deliveries.
    expect(figures.describeAlarms).toEqual({ calls: 1, throttled: 0 });
    // Duplicates share the work of the first: one handling acted, the others report its outcome.
    const executions = runtime.engine.list().filter((e) => e.status === 'RUNNING');
    expect(executions).toEqual([]);
  }, 600000);
});
