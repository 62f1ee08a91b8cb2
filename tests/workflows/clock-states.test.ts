import { backoffMs } from '../../core/adapters/local/clock-states';
import { LocalWorkflowEngine } from '../../core/adapters/local/local-workflow-engine';
import { SandboxClock } from '../../local/sandbox-clock';
import { advance } from '../helpers/test-clock';

/** A machine of one Wait (its seconds from the input) and one retried task, on a held clock. */
function engineOn(clock: SandboxClock, task: () => Promise<unknown>) {
  const definition = {
    StartAt: 'Pause',
    States: {
      Pause: { Type: 'Wait', SecondsPath: '$.pause.seconds', Next: 'Work' },
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:eksflow-work',
        Retry: [
          {
            ErrorEquals: ['ThrottledError'],
            IntervalSeconds: 2,
            MaxAttempts: 3,
            BackoffRate: 2,
            MaxDelaySeconds: 30,
          },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
  return new LocalWorkflowEngine({
    definitions: [{ name: 'rollout', definition, taskFunctions: { Work: 'work' } }],
    invokeFunction: task,
    clock,
  });
}

/** A clock that moves only when the test advances it. */
function heldClock(): SandboxClock {
  const clock = new SandboxClock();
  clock.hold();
  return clock;
}

const throttled = () => Object.assign(new Error('slow down'), { name: 'ThrottledError' });

describe('the local engine on a clock', () => {
  it('a 30 s Wait still waits after 29 s of the clock and is done after 30', async () => {
    // Prepare
    const clock = heldClock();
    const engine = engineOn(clock, async () => 'done');
    const { executionId } = await engine.start('rollout', 'e1', { pause: { seconds: 30 } });

    // Act
    await advance(clock, 29);
    const after29 = engine.get(executionId)?.status;
    await advance(clock, 1);
    const execution = await engine.waitFor(executionId);

    // Assess
    expect(after29).toBe('RUNNING');
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual(['Pause', 'Work']);
  });

  it('retries on the clock after each backoff, then hands the error to the catcher once the attempts run out', async () => {
    // Prepare
    const clock = heldClock();
    const started = clock.now().getTime();
    const attemptsAt: number[] = [];
    const engine = engineOn(clock, async () => {
      attemptsAt.push((clock.now().getTime() - started) / 1000);
      throw throttled();
    });
    const { executionId } = await engine.start('rollout', 'e2', { pause: { seconds: 0 } });

    // Act: step the clock one second at a time until the execution ends
    while (engine.get(executionId)?.status === 'RUNNING' && clock.now().getTime() - started < 60_000)
      await advance(clock, 1);
    const execution = await engine.waitFor(executionId);

    // Assess: 1 + MaxAttempts attempts, 2, 4 and 8 s of the clock apart
    expect(attemptsAt.slice(1).map((at, i) => at - (attemptsAt[i] ?? Number.NaN))).toEqual([2, 4, 8]);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual(['Pause', 'Work', 'Caught']);
  });

  it('stopping an execution ends its sleep on the clock', async () => {
    // Prepare
    const clock = heldClock();
    const engine = engineOn(clock, async () => 'done');
    const { executionId } = await engine.start('rollout', 'e3', { pause: { seconds: 3600 } });
    await advance(clock, 0);

    // Act
    await engine.stop('rollout', 'e3');
    const execution = await engine.waitFor(executionId);

    // Assess
    expect(execution.status).toBe('ABORTED');
    expect(clock.nextWake()).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it.each([
    [0, 2000],
    [1, 4000],
    [2, 8000],
    [3, 16_000],
    [4, 30_000],
    [7, 30_000],
  ])('a ThrottledError retry after %i retries waits up to %i ms', (previous, ceiling) => {
    // Prepare
    const retrier = {
      ErrorEquals: ['ThrottledError'],
      IntervalSeconds: 2,
      BackoffRate: 2,
      MaxDelaySeconds: 30,
      JitterStrategy: 'FULL' as const,
    };

    // Act / Assess: FULL jitter draws from 0 to the ceiling
    expect(backoffMs(retrier, previous, () => 1)).toBe(ceiling);
    expect(backoffMs(retrier, previous, () => 0.25)).toBe(ceiling / 4);
  });
});
