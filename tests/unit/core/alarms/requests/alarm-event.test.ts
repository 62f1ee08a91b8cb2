import { parseAlarmStateChange } from '../../../../../core/alarms/requests/alarm-event';
import { ValidationError } from '../../../../../core/kernel/errors';
import { alarmEvent } from '../../../../helpers/events';

describe('parseAlarmStateChange', () => {
  it('reads name, state, previous state, reason and the state timestamp', () => {
    // Act
    const change = parseAlarmStateChange(alarmEvent());

    // Assess
    expect(change).toEqual({
      alarmName: 'web-5xx-rate',
      state: 'ALARM',
      previousState: 'OK',
      reason: expect.stringMatching(/^Threshold Crossed/),
      time: '2026-01-02T03:04:05.123+0000',
    });
  });

  it.each(['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const)('accepts the state %s', (value) => {
    // Prepare
    const event = alarmEvent();
    event.detail.state.value = value;

    // Act / Assess
    expect(parseAlarmStateChange(event).state).toBe(value);
  });

  it('falls back to the event time when the state has no timestamp', () => {
    // Prepare
    const event = alarmEvent();
    delete (event.detail.state as { timestamp?: string }).timestamp;

    // Act / Assess
    expect(parseAlarmStateChange(event).time).toBe('2026-01-02T03:04:05Z');
  });

  it('allows a first transition with no previous state', () => {
    // Prepare
    const event = alarmEvent();
    delete (event.detail as { previousState?: unknown }).previousState;

    // Act / Assess
    expect(parseAlarmStateChange(event).previousState).toBeUndefined();
  });

  it.each([
    {
      what: 'an EC2 event',
      event: alarmEvent({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification' }),
      field: 'detail-type',
    },
    { what: 'a wrong source', event: alarmEvent({ source: 'aws.ec2' }), field: 'source' },
    { what: 'no detail', event: alarmEvent({ detail: undefined }), field: 'detail' },
    {
      what: 'an empty alarm name',
      event: alarmEvent({ detail: { ...alarmEvent().detail, alarmName: '' } }),
      field: 'detail.alarmName',
    },
    {
      what: 'an unknown state',
      event: alarmEvent({ detail: { ...alarmEvent().detail, state: { value: 'BROKEN' } } }),
      field: 'detail.state.value',
    },
    { what: 'no state', event: alarmEvent({ detail: { alarmName: 'x' } }), field: 'detail.state' },
  ])('rejects $what, naming $field', ({ event, field }) => {
    // Act
    let error: unknown;
    try {
      parseAlarmStateChange(event);
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.field)).toContain(field);
  });

  it.each([null, 'event', 42])('rejects %p as the whole event', (event) => {
    // Act / Assess
    expect(() => parseAlarmStateChange(event)).toThrow(ValidationError);
  });
});
