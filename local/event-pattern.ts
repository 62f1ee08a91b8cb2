import type { EventPattern } from './serverless-manifest';

/**
 * EventBridge content filtering, the subset our rules use: exact values in arrays, nested objects,
 * `prefix`, `anything-but`, `exists`, `numeric` is not supported (it throws, so a new rule cannot
 * silently never match).
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([key, expected]) =>
    matchesField(expected, (event as Record<string, unknown>)[key]),
  );
}

function matchesField(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) {
    const values = Array.isArray(actual) ? actual : [actual];
    return expected.some((rule) => values.some((value) => matchesRule(rule, value, actual)));
  }
  if (typeof expected === 'object' && expected !== null) return matchesPattern(expected as EventPattern, actual);
  throw new Error(`event pattern values must be arrays or objects, got ${JSON.stringify(expected)}`);
}

function matchesRule(rule: unknown, value: unknown, whole: unknown): boolean {
  if (rule === null || typeof rule !== 'object') return rule === value;
  const r = rule as Record<string, unknown>;
  if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
  if ('exists' in r) return (whole !== undefined) === Boolean(r.exists);
  if ('anything-but' in r) {
    const excluded = ([] as unknown[]).concat(r['anything-but']);
    return value !== undefined && !excluded.includes(value);
  }
  throw new Error(`unsupported event pattern rule ${JSON.stringify(rule)}`);
}
