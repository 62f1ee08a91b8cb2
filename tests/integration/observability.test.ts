import { createLogger } from '../../core/kernel/logger';
import { RecordingMetrics } from '../helpers/recording-metrics';
import {
  canaryRequest,
  createAlarm,
  createApp,
  currentAlarmEvent,
  setAlarm,
  startPausedCanary,
  waitForRollout,
} from '../helpers/rollout-fixtures';
import { api, startTestRuntime, type TestRuntime } from '../helpers/stack';

/**
 * Issue 8, item 7 on the real stack: each rollout transition is counted once (a repeated alarm event, a
 * retried sweep count nothing more), and the lines the handlers log carry the rollout's id.
 */
describe('metrics and correlation ids', () => {
  let runtime: TestRuntime;
  const metrics = new RecordingMetrics();
  const lines: Record<string, any>[] = [];

  beforeAll(async () => {
    const logger = createLogger('debug', {}, (line) => void lines.push(JSON.parse(line)));
    runtime = await startTestRuntime({ containerOverrides: { logger, metrics } });
    // Events come only from the test, so that it can repeat one.
    await runtime.alarms.stop();
  });
  afterAll(async () => runtime?.close());

  it('counts a start and an alarm abort once though the ALARM event comes three times, and times alarm → stable', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });
    const alarm = await createAlarm('OK');
    const { id } = await startPausedCanary(runtime, app, undefined, { analysis: { alarms: [alarm] } });
    await setAlarm(alarm, 'ALARM');
    const event = await currentAlarmEvent(alarm);

    // Act: the event three times at once, then again after the end, then a sweep
    await Promise.all([runtime.deliverEvent(event), runtime.deliverEvent(event), runtime.deliverEvent(event)]);
    await waitForRollout(runtime, id, (r) => r.status === 'Aborted');
    await runtime.deliverEvent(event);
    await runtime.invoke('scheduledSweep', { source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assess
    const strategy = { strategy: 'canary' };
    expect(metrics.named('RolloutsStarted')).toEqual([
      { name: 'RolloutsStarted', unit: 'Count', value: 1, dimensions: strategy },
    ]);
    expect(metrics.named('RolloutsAborted')).toEqual([
      { name: 'RolloutsAborted', unit: 'Count', value: 1, dimensions: strategy },
    ]);
    const [toStable, ...more] = metrics.named('AlarmToStableMilliseconds');
    expect(more).toEqual([]);
    expect(toStable).toMatchObject({ unit: 'Milliseconds', dimensions: strategy });
    expect(toStable?.value).toBeGreaterThanOrEqual(0);
    expect(metrics.named('RolloutsPromoted')).toEqual([]);

    // Assess: every line of the workflow's tasks names the rollout it worked on (this runtime ran only this one)
    const taskLines = lines.filter((l) => l.task === 'reconcileRollout');
    expect(taskLines.length).toBeGreaterThan(0);
    expect(taskLines.filter((l) => l.correlation_id !== id)).toEqual([]);
  });

  it("puts the rollout's id on the access decision of a request that names it, refused or allowed", async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const { body } = await api(runtime, 'POST', '/rollouts', canaryRequest(app));
    const id = body.id as string;
    lines.length = 0;

    // Act
    const refused = await api(runtime, 'GET', `/rollouts/${id}`, undefined, { as: 'restricted' });
    const allowed = await api(runtime, 'GET', `/rollouts/${id}`);

    // Assess
    expect([refused.status, allowed.status]).toEqual([404, 200]); // unreadable is a 404, as if absent (issue 16)
    const decisions = lines.filter((l) => l.message === 'access denied' || l.message === 'access allowed');
    expect(decisions.map((l) => [l.message, l.correlation_id])).toEqual([
      ['access denied', id],
      ['access allowed', id],
    ]);
  });
});
