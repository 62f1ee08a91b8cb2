import { CronExpressionParser } from 'cron-parser';
import { present } from '../../kernel/invariant';

/**
 * EventBridge Scheduler's expressions: `cron(minutes hours day-of-month month day-of-week year)` (six
 * fields, one of the two day fields `?`, day-of-week 1-7 = SUN-SAT) and `rate(value unit)`. The syntax
 * is checked here; the occurrences are computed by cron-parser (time zones and daylight saving included)
 * after the AWS fields are translated to its seconds-first form.
 */
export type ScheduleExpression =
  | { kind: 'cron'; cronParserFields: string; years: (year: number) => boolean }
  | { kind: 'rate'; everyMs: number };

export type ParsedExpression = { ok: true; expression: ScheduleExpression } | { ok: false; reason: string };

const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** EventBridge Scheduler's year range. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;
/** Occurrences looked at when a year field skips years (e.g. `2030`): a cron fires at most ~527,040 times a year. */
const MAX_OCCURRENCES_SCANNED = 600_000;

export function parseScheduleExpression(text: string): ParsedExpression {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const [, count, unit = ''] = rate;
    const value = Number(count);
    if (value < 1) return { ok: false, reason: 'a rate must be a positive whole number' };
    const singular = unit.replace(/s$/, '');
    if ((value === 1) !== (unit === singular))
      return { ok: false, reason: `say "rate(1 ${singular})" for one and "rate(N ${singular}s)" for more` };
    return { ok: true, expression: { kind: 'rate', everyMs: value * present(RATE_UNITS[singular], `a ${singular}`) } };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (!cron)
    return { ok: false, reason: 'must be cron(minutes hours day-of-month month day-of-week year) or rate(N unit)' };
  const [, body = ''] = cron;
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    return {
      ok: false,
      reason: `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    };
  // Six fields, counted above: the defaults are never used.
  const [minutes, hours, dayOfMonth, month, dayOfWeek = '', year = ''] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    return { ok: false, reason: 'exactly one of day-of-month and day-of-week must be "?"' };
  const years = parseYears(year);
  if (!years)
    return { ok: false, reason: `year "${year}" must be *, a year ${FIRST_YEAR}-${LAST_YEAR}, a range or a list` };
  const dow = dayOfWeek === '?' ? '*' : awsDayOfWeekToCron(dayOfWeek);
  if (dow === undefined) return { ok: false, reason: `day-of-week "${dayOfWeek}" must use 1-7 or SUN-SAT` };
  const cronParserFields = `0 ${minutes} ${hours} ${dayOfMonth === '?' ? '*' : dayOfMonth} ${month} ${dow}`;
  try {
    CronExpressionParser.parse(cronParserFields, { strict: false });
  } catch (error) {
    return { ok: false, reason: `not a valid cron expression: ${(error as Error).message}` };
  }
  return { ok: true, expression: { kind: 'cron', cronParserFields, years } };
}

/** Whether `timezone` is an IANA time zone name the runtime knows. */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The latest occurrence in (after, upTo], or undefined: a schedule that missed several (the sandbox clock
 * jumped, a firing was lost) sets the sizes once, to what the latest asks.
 */
export function latestOccurrence(
  expression: ScheduleExpression,
  window: { after: Date; upTo: Date; timezone: string; start?: Date; end?: Date },
): Date | undefined {
  const from = new Date(Math.max(window.after.getTime(), window.start ? window.start.getTime() - 1 : 0));
  const upTo = new Date(Math.min(window.upTo.getTime(), window.end?.getTime() ?? Number.POSITIVE_INFINITY));
  if (from >= upTo) return undefined;
  if (expression.kind === 'rate') {
    const origin = (window.start ?? window.after).getTime();
    const steps = Math.floor((upTo.getTime() - origin) / expression.everyMs);
    const at = origin + steps * expression.everyMs;
    return steps >= 1 && at > from.getTime() ? new Date(at) : undefined;
  }
  const prev = CronExpressionParser.parse(expression.cronParserFields, {
    currentDate: new Date(upTo.getTime() + 1),
    tz: window.timezone,
  });
  for (let i = 0; i < MAX_OCCURRENCES_SCANNED; i++) {
    if (!prev.hasPrev()) return undefined;
    const at = prev.prev().toDate();
    if (at <= from) return undefined;
    if (expression.years(yearIn(at, window.timezone))) return at;
  }
  return undefined;
}

function yearIn(at: Date, timezone: string): number {
  return Number(new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric' }).format(at));
}

function parseYears(field: string): ((year: number) => boolean) | undefined {
  if (field === '*' || field === '?') return () => true;
  const parts = field.split(',').map((part) => {
    const m = /^(\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : m[3] ? LAST_YEAR : from;
    const step = m[3] ? Number(m[3]) : 1;
    if (from < FIRST_YEAR || to > LAST_YEAR || from > to || step < 1) return undefined;
    return (year: number) => year >= from && year <= to && (year - from) % step === 0;
  });
  if (parts.some((p) => p === undefined)) return undefined;
  return (year) => parts.some((p) => p?.(year));
}

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** AWS numbers days 1-7 from Sunday; cron-parser 0-6. Names, `L` and `#` carry over with the number shifted. */
function awsDayOfWeekToCron(field: string): string | undefined {
  if (field === '*') return '*';
  let valid = true;
  const shifted = field.replace(/\d+/g, (digits, offset: number, whole: string) => {
    if (whole[offset - 1] === '#' || whole[offset - 1] === '/') return digits; // the nth weekday, a step
    const n = Number(digits);
    if (n < 1 || n > 7) valid = false;
    return String(n - 1);
  });
  if (!valid) return undefined;
  const names = shifted.toUpperCase().match(/[A-Z]+/g) ?? [];
  if (names.some((n) => !DAY_NAMES.includes(n) && n !== 'L')) return undefined;
  return shifted;
}
