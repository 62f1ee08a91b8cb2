import { z } from 'zod';
import { ValidationError } from '../../kernel/errors';

/** The header every mutating route takes (docs/openapi.json); lower-case as API Gateway passes headers. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** How the API names it in errors. */
export const IDEMPOTENCY_KEY_FIELD = 'Idempotency-Key';
/** A UUID or a client's request id fits. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

export const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** A key as the header gave it, or a 400 naming `Idempotency-Key`; undefined when there is none. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const key = idempotencyKeySchema.safeParse(value);
  if (!key.success) {
    const [issue] = key.error.issues;
    throw ValidationError.forField(IDEMPOTENCY_KEY_FIELD, issue?.message ?? 'is not a valid key');
  }
  return key.data;
}
