import fc from 'fast-check';
import {
  type AlarmState,
  alarmsJudgedNow,
  isStaleFor,
  judgeAlarms,
  shouldBeMoving,
  sweepAction,
} from '../../../../../core/rollouts/domain/analysis';
import type { Rollout } from '../../../../../core/rollouts/domain/types';

describe('judgeAlarms', () => {
  it('fails on an alarm in ALARM, naming it', () => {
    // Prepare
    const states: Record<string, AlarmState> = { 'web-5xx': 'OK', 'web-latency': 'ALARM' };

    // Act
    const outcome = judgeAlarms(states, ['web-5xx', 'web-latency'], 'pass');

    // Assess
    expect(outcome).toMatchObject({ result: 'fail', alarm: 'web-latency' });
    expect(outcome.result === 'fail' && outcome.message).toContain('web-latency');
  });

  it('passes when every alarm is OK', () => {
    // Act / Assess
    expect(judgeAlarms({ a: 'OK', b: 'OK' }, ['a', 'b'], 'fail')).toEqual({ result: 'pass' });
  });

  it('passes with no alarms at all, whatever the noData policy', () => {
    // Act / Assess
    expect(judgeAlarms({}, [], 'fail')).toEqual({ result: 'pass' });
  });

  it.each`
    state                  | noData     | result
    ${'INSUFFICIENT_DATA'} | ${'pass'}  | ${'pass'}
    ${'INSUFFICIENT_DATA'} | ${'pause'} | ${'pause'}
    ${'INSUFFICIENT_DATA'} | ${'fail'}  | ${'fail'}
  `('alarm b in $state with noData $noData → $result', ({ state, noData, result }) => {
    // Prepare
    const states: Record<string, AlarmState | undefined> = { a: 'OK', b: state };

    // Act
    const outcome = judgeAlarms(states, ['a', 'b'], noData);

    // Assess
    expect(outcome.result).toBe(result);
    if (outcome.result !== 'pass') {
      expect(outcome.alarm).toBe('b');
      expect(outcome.message).toContain(`noData: ${noData}`);
    }
  });

  it('lets ALARM win over an earlier INSUFFICIENT_DATA', () => {
    // Prepare
    const states: Record<string, AlarmState> = { quiet: 'INSUFFICIENT_DATA', loud: 'ALARM' };

    // Act
    const outcome = judgeAlarms(states, ['quiet', 'loud'], 'pause');

    // Assess
    expect(outcome).toMatchObject({ result: 'fail', alarm: 'loud' });
  });

  it('ignores alarms it was not asked about', () => {
    // Act / Assess
    expect(judgeAlarms({ other: 'ALARM', mine: 'OK' }, ['mine'], 'fail')).toEqual({ result: 'pass' });
  });

  it.each(['pass', 'pause', 'fail'] as const)(
    'pauses on a guarding alarm that does not exist, naming it, even with noData %s',
    (noData) => {
      // Prepare: b was deleted (DescribeAlarms leaves it out)
      const states: Record<string, AlarmState> = { a: 'OK' };

      // Act
      const outcome = judgeAlarms(states, ['a', 'b'], noData);

      // Assess
      expect(outcome).toMatchObject({ result: 'pause', alarm: 'b', cause: 'missing' });
      expect(outcome.result === 'pause' && outcome.message).toMatch(/alarm b does not exist/);
    },
  );

  it('lets ALARM win over a missing alarm', () => {
    // Act / Assess
    expect(judgeAlarms({ loud: 'ALARM' }, ['gone', 'loud'], 'pass')).toMatchObject({ result: 'fail', alarm: 'loud' });
  });

  it('never passes while a judged alarm is in ALARM or missing (any states, any policy)', () => {
    const state = fc.constantFrom<AlarmState | undefined>('OK', 'ALARM', 'INSUFFICIENT_DATA', undefined);
    fc.assert(
      fc.property(
        fc.array(state, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('pass', 'pause', 'fail' as const),
        (values, noData) => {
          // Prepare
          const names = values.map((_, i) => `alarm-${i}`);
          const states = Object.fromEntries(names.flatMap((n, i) => (values[i] ? [[n, values[i]]] : [])));

          // Act
          const outcome = judgeAlarms(states, names, noData);

          // Assess
          const unsafe = values.some((v) => v === 'ALARM' || v === undefined);
          return !unsafe || outcome.result !== 'pass';
        },
      ),
    );
  });
});

describe('isStaleFor', () => {
  const rollout = { createdAt: '2026-03-01T12:00:00.000Z' };

  it.each`
    time                              | stale
    ${'2026-03-01T11:59:59.999Z'}     | ${true}
    ${'2026-03-01T11:00:00.000+0000'} | ${true}
    ${'2026-03-01T12:00:00.000Z'}     | ${false}
    ${'2026-03-01T12:00:01.000+0000'} | ${false}
    ${'not a time'}                   | ${false}
  `('an alarm change at $time is stale: $stale', ({ time, stale }) => {
    // Act / Assess
    expect(isStaleFor({ time }, rollout)).toBe(stale);
  });
});

describe('shouldBeMoving', () => {
  it.each`
    status           | pause                                             | promoteRequest | moving
    ${'Progressing'} | ${undefined}                                      | ${undefined}   | ${true}
    ${'Paused'}      | ${{ reason: 'Step', until: '2026-03-01T12:05Z' }} | ${undefined}   | ${true}
    ${'Paused'}      | ${{ reason: 'Step' }}                             | ${'step'}      | ${true}
    ${'Paused'}      | ${{ reason: 'Step' }}                             | ${undefined}   | ${false}
    ${'Paused'}      | ${{ reason: 'NoData' }}                           | ${undefined}   | ${false}
    ${'Paused'}      | ${{ reason: 'AwaitingPromotion' }}                | ${undefined}   | ${false}
    ${'Aborted'}     | ${undefined}                                      | ${undefined}   | ${false}
  `('$status $pause promote=$promoteRequest → $moving', ({ status, pause, promoteRequest, moving }) => {
    // Act / Assess
    expect(shouldBeMoving({ status, pause, promoteRequest })).toBe(moving);
  });
});

describe('sweepAction', () => {
  const base = {
    status: 'Paused',
    phase: 'Steps',
    pause: { reason: 'Step' },
    alarms: ['web-5xx'],
  } as Pick<Rollout, 'status' | 'phase' | 'abort' | 'pause' | 'promoteRequest' | 'alarms'>;

  it('aborts a rollout waiting for a person when its guarding alarm is in ALARM', () => {
    // Act / Assess
    expect(sweepAction(base, ['web-5xx'], { 'web-5xx': 'ALARM' })).toEqual({ action: 'abort', alarm: 'web-5xx' });
  });

  it('does not abort again a rollout whose abort is under way', () => {
    // Prepare
    const aborting = { ...base, status: 'Progressing', phase: 'Aborting' } as unknown as typeof base;

    // Act / Assess
    expect(sweepAction(aborting, ['web-5xx'], { 'web-5xx': 'ALARM' })).toEqual({ action: 'checkRun' });
  });

  it('resumes a NoData pause only when every judged alarm is OK', () => {
    // Prepare
    const noData = { ...base, pause: { reason: 'NoData' as const } };

    // Act / Assess
    expect(sweepAction(noData, ['web-5xx', 'step'], { 'web-5xx': 'OK', step: 'OK' })).toEqual({ action: 'resume' });
    expect(sweepAction(noData, ['web-5xx', 'step'], { 'web-5xx': 'OK', step: 'INSUFFICIENT_DATA' })).toEqual({
      action: 'none',
    });
    expect(sweepAction(noData, ['web-5xx', 'step'], { 'web-5xx': 'OK' })).toEqual({ action: 'none' });
  });

  it('checks the run of a rollout that should be moving, and leaves a pause for a person alone', () => {
    // Act / Assess
    expect(sweepAction({ ...base, status: 'Progressing', pause: undefined }, [], { 'web-5xx': 'OK' })).toEqual({
      action: 'checkRun',
    });
    expect(sweepAction(base, ['web-5xx'], { 'web-5xx': 'OK' })).toEqual({ action: 'none' });
  });
});

describe('alarmsJudgedNow', () => {
  it("is an analysis step's own alarms at that step, the guarding alarms elsewhere", () => {
    // Prepare
    const request = {
      canary: { steps: [{ setWeight: 10 }, { analysis: { alarms: ['p99'] } }, { analysis: {} }] },
    } as unknown as Rollout['request'];

    // Act / Assess
    expect(alarmsJudgedNow({ request, currentStepIndex: 0, alarms: ['5xx'] })).toEqual(['5xx']);
    expect(alarmsJudgedNow({ request, currentStepIndex: 1, alarms: ['5xx'] })).toEqual(['p99']);
    expect(alarmsJudgedNow({ request, currentStepIndex: 2, alarms: ['5xx'] })).toEqual(['5xx']);
    expect(alarmsJudgedNow({ request, currentStepIndex: 3, alarms: ['5xx'] })).toEqual(['5xx']);
  });
});
