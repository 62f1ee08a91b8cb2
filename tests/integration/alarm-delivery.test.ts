import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { changesAfter } from '../../local/sandbox/emulator-changes';
import { defined } from '../helpers/defined';
import {
  canaryRequest,
  createAlarm,
  createApp,
  currentAlarmEvent,
  getRollout,
  PAUSED_AT_HALF,
  replicaSplit,
  setAlarm,
  waitForRollout,
} from '../helpers/rollout-fixtures';
import { api, awsClientConfig, startTestRuntime, type TestRuntime, testStack } from '../helpers/stack';

/**
 * Issue 7 items 7, 8 and 11 on the real stack: no alarm lost (the sweep re-judges paused rollouts and
 * restarts ended runs), no replayed event acts, a deleted guarding alarm is not "no data".
 */
describe('alarm delivery', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    // Events in these tests come only from the test: a lost event is one the bridge never delivers.
    await runtime.alarms.stop();
  });
  afterAll(async () => runtime?.close());

  const sweep = () => runtime.invoke('scheduledSweep', { source: 'aws.events', 'detail-type': 'Scheduled Event' });

  async function start(app: { namespace: string }, steps: unknown[], analysis?: Record<string, unknown>) {
    const { status, body } = await api(runtime, 'POST', '/rollouts', canaryRequest(app, steps, { analysis }));
    expect(status).toBe(202);
    return body.id as string;
  }

  it('the sweep aborts a rollout waiting for a person whose ALARM event was lost', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const alarm = await createAlarm('OK');
    const id = await start(app, PAUSED_AT_HALF, { alarms: [alarm] });
    await waitForRollout(runtime, id, (r) => r.status === 'Paused');
    await setAlarm(alarm, 'ALARM'); // its event is lost (the bridge is stopped)

    // Act
    const outcome = (await sweep()) as { aborted: string[] };

    // Assess
    expect(outcome.aborted).toContain(id);
    expect(await waitForRollout(runtime, id, (r) => r.status === 'Aborted')).toMatchObject({ abort: { alarm } });
    expect(await replicaSplit(app)).toEqual({ stable: 2, canary: 0 });
  });

  it('the sweep resumes a rollout paused for no data whose OK was lost', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const alarm = await createAlarm('INSUFFICIENT_DATA');
    const id = await start(app, PAUSED_AT_HALF, { alarms: [alarm], noData: 'pause' });
    await waitForRollout(runtime, id, (r) => r.status === 'Paused' && r.pause?.reason === 'NoData');
    // The run looks at its alarms once more after saving the pause: let it end first, so that only the sweep
    // can see the OK below (otherwise the run's second look wins the race and there is nothing left to resume).
    const runs = runtime.engine.list().filter((e) => e.workflow === 'rollout' && e.name.startsWith(`${id}-`));
    await Promise.all(runs.map((e) => runtime.engine.waitFor(e.executionId)));
    await setAlarm(alarm, 'OK'); // its event is lost

    // Act
    const outcome = (await sweep()) as { resumed: string[] };

    // Assess
    expect(outcome.resumed).toContain(id);
    await waitForRollout(runtime, id, (r) => r.status === 'Paused' && r.currentStepIndex === 1);
  });

  it('the sweep restarts a rollout whose workflow run ended before the rollout did', async () => {
    // Prepare: a timed pause whose execution is stopped (as StopExecution or a timeout would)
    const app = await createApp({ replicas: 2 });
    const id = await start(app, [{ setWeight: 50 }, { pause: { duration: '2s' } }, { setWeight: 100 }]);
    await waitForRollout(runtime, id, (r) => r.status === 'Paused' && r.currentStepIndex === 1);
    const run1 = runtime.engine.get(`rollout:${id}-1`) as unknown as { abort: () => void };
    run1.abort();
    await runtime.engine.waitFor(`rollout:${id}-1`);

    // Act
    const outcome = (await sweep()) as { restarted: string[] };

    // Assess
    expect(outcome.restarted).toEqual([id]);
    const promoted = await waitForRollout(runtime, id, (r) => r.status === 'Promoted', 60000);
    expect(promoted.history).toContainEqual(
      expect.objectContaining({ type: 'Resumed', message: expect.stringMatching(/run 1 ended .*starting run 2/) }),
    );
    // The record says Promoted from inside the last task, a moment before its execution ends.
    expect((await runtime.engine.waitFor(`rollout:${id}-2`)).status).toBe('SUCCEEDED');
    expect((await sweep()) as { restarted: string[] }).toMatchObject({ restarted: [] });
  });

  it('an ALARM replayed after the alarm recovered changes nothing', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const alarm = await createAlarm('OK');
    const id = await start(app, PAUSED_AT_HALF, { alarms: [alarm] });
    await waitForRollout(runtime, id, (r) => r.status === 'Paused');
    await setAlarm(alarm, 'ALARM');
    const firing = await currentAlarmEvent(alarm);
    await setAlarm(alarm, 'OK');

    // Act: EventBridge retries the old ALARM
    const { status, body } = await api(runtime, 'POST', '/_local/events', firing);

    // Assess
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({ aborted: [], ignored: expect.stringMatching(/is OK now/) });
    expect(await getRollout(runtime, id)).toMatchObject({ status: 'Paused' });
    expect(await replicaSplit(app)).toEqual({ stable: 1, canary: 1 });
  });

  it('a deleted guarding alarm pauses the rollout at its next step boundary, naming the alarm, even with noData: pass', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const alarm = await createAlarm('OK');
    const id = await start(app, [{ pause: { duration: '2s' } }, { setWeight: 50 }, { setWeight: 100 }], {
      alarms: [alarm],
      noData: 'pass',
    });
    await waitForRollout(runtime, id, (r) => r.status === 'Paused' && r.currentStepIndex === 0);

    // Act
    await new CloudWatchClient(awsClientConfig()).send(new DeleteAlarmsCommand({ AlarmNames: [alarm] }));

    // Assess
    const paused = await waitForRollout(runtime, id, (r) => r.status === 'Paused' && r.pause?.reason === 'NoData');
    expect(paused.history.at(-1).message).toMatch(new RegExp(`alarm ${alarm} does not exist`));
    expect(await replicaSplit(app)).toEqual({ stable: 2, canary: 0 });
  });
});

/** What the sandbox's alarm bridge waits on (tools/moto/changes.py): an event goes out within a round trip. */
describe("the emulator's CloudWatch change feed", () => {
  const changes = (after: number, waitMs: number) =>
    changesAfter(testStack().emulatorEndpoint, 'cloudwatch', after, waitMs);

  it('ends a wait when an alarm is set, and counts no read', async () => {
    // Prepare
    const alarm = await createAlarm('OK');
    const before = await changes(0, 0);
    await new CloudWatchClient(awsClientConfig()).send(new DescribeAlarmsCommand({ AlarmNames: [alarm] }));
    const afterRead = defined(await changes(0, 0), 'the count after a read');

    // Act
    const waiting = changes(afterRead, 30000);
    await setAlarm(alarm, 'ALARM');

    // Assess: a timed-out wait would answer afterRead itself
    expect(afterRead).toBe(before);
    expect(await waiting).toBe(afterRead + 1);
  });
});
