import { SandboxClock } from '../../../local/sandbox-clock';
import { rateToMs, scheduledEvent, startSchedules } from '../../../local/scheduler';

describe('local schedules', () => {
  it.each([
    ['rate(5 minutes)', 300_000],
    ['rate(1 minute)', 60_000],
    ['rate(30 seconds)', 30_000],
    ['rate(2 hours)', 7_200_000],
    ['cron(0 12 * * ? *)', undefined],
    ['rate(five minutes)', undefined],
  ])('%s → %p ms', (expression, ms) => {
    expect(rateToMs(expression)).toBe(ms);
  });

  it('fires each rate schedule at its interval of the clock until stopped', async () => {
    // Prepare
    const clock = new SandboxClock();
    clock.hold();
    const fired: string[] = [];
    const advance = async (seconds: number) => {
      clock.advance(seconds);
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    // Act
    const stop = startSchedules(
      clock,
      [
        { functionName: 'scheduledSweep', expression: 'rate(1 minute)' },
        { functionName: 'cronOnly', expression: 'cron(0 12 * * ? *)' },
      ],
      async (fn) => fired.push(fn),
      () => undefined,
    );
    await advance(60);
    await advance(60);
    await advance(30);
    stop();
    await advance(600);
    // Assess
    expect(fired).toEqual(['scheduledSweep', 'scheduledSweep']);
  });

  it('delivers the EventBridge Scheduled Event shape', () => {
    const event = scheduledEvent('us-east-1', 'r');
    expect(event).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      region: 'us-east-1',
      detail: {},
    });
  });
});
