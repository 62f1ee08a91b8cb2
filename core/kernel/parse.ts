import type { z } from 'zod';
import { type ErrorDetail, ValidationError } from './errors';

/** Field path as users write it: `canary.steps.1.setWeight`; the body itself is `body`. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'body' : path.map(String).join('.');
}

/** Turns zod's issues into one detail per offending field, unknown keys named one by one. */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  const details = issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), reason: 'unknown field' }));
    }
    // Parsed with reportInput, so a missing field shows as an undefined input.
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return [{ field: fieldName(issue.path), reason: 'is required' }];
    }
    return [{ field: fieldName(issue.path), reason: issue.message }];
  });
  // zod keeps checking after a type error (e.g. an array's min length against a string): the first issue per field says it.
  const seen = new Set<string>();
  return details.filter((d) => !seen.has(d.field) && seen.add(d.field));
}

/** Validates `input` against `schema` or throws a ValidationError naming every bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const details = issuesToDetails(result.error.issues);
  const summary = details.map((d) => `${d.field}: ${d.reason}`).join('; ');
  throw new ValidationError(`invalid ${what}: ${summary}`, details);
}

/** Parses a JSON request body; anything else is a 400 naming `body`. */
export function parseJsonBody(body: string | undefined | null): unknown {
  if (body === undefined || body === null || body.trim() === '') {
    throw ValidationError.forField('body', 'a JSON object is required');
  }
  try {
    return JSON.parse(body);
  } catch {
    throw ValidationError.forField('body', 'is not valid JSON');
  }
}
