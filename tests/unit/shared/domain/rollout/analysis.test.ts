import { judgeAlarms } from '../../../../../shared/domain/rollout/analysis';
import type { AlarmState } from '../../../../../shared/validation/alarm-event';

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
    ${undefined}           | ${'pass'}  | ${'pass'}
    ${undefined}           | ${'pause'} | ${'pause'}
    ${undefined}           | ${'fail'}  | ${'fail'}
  `('alarm b in $state with noData $noData → $result', ({ state, noData, result }) => {
    // Prepare
    const states: Record<string, AlarmState | undefined> = { a: 'OK', ...(state ? { b: state } : {}) };

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
});
