/**
 * Something the code's own logic guarantees is missing or out of range: a bug in eksflow, never a caller's
 * mistake (so it is no EksflowError and answers 500). Named, so a log line says which guarantee broke.
 */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

/** The value, or an InvariantError naming what was missing: for lookups whose absence would be a bug. */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new InvariantError(`${what} is missing`);
  return value;
}
