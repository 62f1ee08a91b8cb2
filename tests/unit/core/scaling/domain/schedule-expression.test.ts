import {
  isKnownTimeZone,
  latestOccurrence,
  parseScheduleExpression,
  type ScheduleExpression,
} from '../../../../../core/scaling/domain/schedule-expression';

function parsed(text: string): ScheduleExpression {
  const result = parseScheduleExpression(text);
  if (!result.ok) throw new Error(result.reason);
  return result.expression;
}

describe('parseScheduleExpression: EventBridge Scheduler syntax', () => {
  it.each([
    'cron(0 9 * * ? *)',
    'cron(0/15 * ? * MON-FRI *)',
    'cron(30 2 ? * 1 2027-2030)',
    'cron(0 18 L * ? *)',
    'cron(0 10 ? * 6#3 *)',
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(2 hours)',
    'rate(1 day)',
  ])('accepts %s', (text) => {
    // Act / Assess
    expect(parseScheduleExpression(text).ok).toBe(true);
  });

  it.each`
    text                      | reason
    ${'0 9 * * ? *'}          | ${/must be cron/}
    ${'cron(0 9 * * ?)'}      | ${/6 fields.*got 5/}
    ${'cron(0 0 9 * * ? *)'}  | ${/6 fields.*got 7/}
    ${'cron(0 9 * * * *)'}    | ${/exactly one of day-of-month and day-of-week/}
    ${'cron(0 9 ? * ? *)'}    | ${/exactly one of day-of-month and day-of-week/}
    ${'cron(0 9 ? * 0 *)'}    | ${/1-7 or SUN-SAT/}
    ${'cron(0 25 * * ? *)'}   | ${/not a valid cron expression/}
    ${'cron(0 9 * * ? 1969)'} | ${/year/}
    ${'rate(0 minutes)'}      | ${/positive/}
    ${'rate(1 hours)'}        | ${/rate\(1 hour\)/}
    ${'rate(5 seconds)'}      | ${/must be cron/}
  `('refuses $text', ({ text, reason }) => {
    // Act
    const result = parseScheduleExpression(text);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('reads AWS day-of-week numbers from Sunday = 1', () => {
    // Prepare: 2027-03-15 is a Monday
    const monday = parsed('cron(0 12 ? * 2 *)');

    // Act
    const at = latestOccurrence(monday, {
      after: new Date('2027-03-10T00:00:00Z'),
      upTo: new Date('2027-03-16T00:00:00Z'),
      timezone: 'UTC',
    });

    // Assess
    expect(at?.toISOString()).toBe('2027-03-15T12:00:00.000Z');
  });
});

describe('latestOccurrence', () => {
  it.each`
    timezone              | after                     | upTo                      | at                            | why
    ${'America/New_York'} | ${'2027-03-13T00:00:00Z'} | ${'2027-03-13T20:00:00Z'} | ${'2027-03-13T14:00:00.000Z'} | ${'09:00 EST = 14:00Z'}
    ${'America/New_York'} | ${'2027-03-14T00:00:00Z'} | ${'2027-03-14T20:00:00Z'} | ${'2027-03-14T13:00:00.000Z'} | ${'09:00 EDT = 13:00Z (after the change)'}
    ${'Europe/Paris'}     | ${'2027-10-30T00:00:00Z'} | ${'2027-10-30T12:00:00Z'} | ${'2027-10-30T07:00:00.000Z'} | ${'09:00 CEST = 07:00Z'}
    ${'Europe/Paris'}     | ${'2027-10-31T00:00:00Z'} | ${'2027-10-31T12:00:00Z'} | ${'2027-10-31T08:00:00.000Z'} | ${'09:00 CET = 08:00Z (after the change)'}
    ${'UTC'}              | ${'2027-01-01T00:00:00Z'} | ${'2027-01-05T10:00:00Z'} | ${'2027-01-05T09:00:00.000Z'} | ${'the latest of several missed ones'}
    ${'UTC'}              | ${'2027-01-05T09:00:00Z'} | ${'2027-01-05T10:00:00Z'} | ${undefined}                  | ${'the one at `after` already fired'}
  `('cron(0 9 * * ? *) in $timezone: $why', ({ timezone, after, upTo, at }) => {
    // Act
    const occurrence = latestOccurrence(parsed('cron(0 9 * * ? *)'), {
      after: new Date(after),
      upTo: new Date(upTo),
      timezone,
    });

    // Assess
    expect(occurrence?.toISOString()).toBe(at);
  });

  it('keeps to start and end dates and to the year field', () => {
    // Prepare
    const daily = parsed('cron(0 9 * * ? *)');
    const in2030 = parsed('cron(0 9 * * ? 2030)');
    const window = { after: new Date('2027-01-01T00:00:00Z'), upTo: new Date('2027-01-10T00:00:00Z'), timezone: 'UTC' };

    // Act / Assess
    expect(latestOccurrence(daily, { ...window, end: new Date('2027-01-03T12:00:00Z') })?.toISOString()).toBe(
      '2027-01-03T09:00:00.000Z',
    );
    expect(latestOccurrence(daily, { ...window, start: new Date('2027-01-11T00:00:00Z') })).toBeUndefined();
    expect(latestOccurrence(in2030, window)).toBeUndefined();
  });

  it('rate: whole intervals from the start', () => {
    // Act
    const at = latestOccurrence(parsed('rate(2 hours)'), {
      after: new Date('2027-01-01T00:00:00Z'),
      upTo: new Date('2027-01-01T05:00:00Z'),
      timezone: 'UTC',
    });

    // Assess
    expect(at?.toISOString()).toBe('2027-01-01T04:00:00.000Z');
  });
});

describe('isKnownTimeZone', () => {
  it.each([
    ['Europe/Paris', true],
    ['America/New_York', true],
    ['UTC', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
  ])('%s → %s', (zone, known) => {
    // Act / Assess
    expect(isKnownTimeZone(zone)).toBe(known);
  });
});
