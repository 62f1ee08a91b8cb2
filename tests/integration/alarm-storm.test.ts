import { abortCounts, prepareStorm, runStorm, type StormWorld } from '../helpers/alarm-storm';
import { startTestRuntime, type TestRuntime } from '../helpers/stack';

/** Chaos suite: one alarm guarding 100 active rollouts goes to ALARM, and its event arrives 1,000 times. */
const ROLLOUTS = 100;
const EVENTS = 1000;
/** As the baseline posted them. */
const CONCURRENCY = 25;

describe('alarm storm', () => {
  let runtime: TestRuntime;
  let world: StormWorld;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    world = await prepareStorm(runtime, ROLLOUTS);
    // Every event comes from the storm.
    await runtime.alarms.stop();
  }, 600000);
  afterAll(async () => runtime?.close());

  it(`${EVENTS} ALARM events over ${ROLLOUTS} active rollouts: each rollout aborted exactly once, no 5xx`, async () => {
    // Act
    const figures = await runStorm(runtime, world, { events: EVENTS, concurrency: CONCURRENCY });

    // Assess
    expect(figures.statuses).toEqual({ 200: EVENTS });
    const counts = await abortCounts(runtime, world);
    expect([...counts.values()]).toEqual(Array(ROLLOUTS).fill(1));
    // Duplicates share the work of the first: one handling acted, the others report its outcome.
    const executions = runtime.engine.list().filter((e) => e.status === 'RUNNING');
    expect(executions).toEqual([]);
  }, 600000);
});
