/**
 * The value, or a failure that names what was missing. For a test's lookups that must succeed (a stored record,
 * a recorded call, a list's element): the test stops there with a clear message instead of a TypeError later.
 */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`expected ${what} to be defined`);
  return value;
}
