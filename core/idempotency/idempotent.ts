import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, errorBodyOf, IdempotencyKeyReusedError, isEksflowError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type { IdempotencyStore, StoredAnswer } from './ports/idempotency';
import { IDEMPOTENCY_KEY_FIELD } from './requests/idempotency-key';

/** A repeated key answers the first answer for 24 hours (docs/design.md), then it is forgotten (TTL). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * How long an in-progress claim holds: longer than the API function may run (29 s, serverless.yml), so a live
 * request never loses its key; short, so a request that died between claim and answer frees its key soon.
 */
export const IN_PROGRESS_LOCK_SECONDS = 60;

export interface IdempotentDeps {
  idempotency: IdempotencyStore;
  now: () => Date;
  logger: Logger;
}

/** One keyed request: who sent it, its key, and everything it asks (route, path, query, body) to compare repeats by. */
export interface KeyedRequest {
  principal: string;
  key: string;
  /** The request's parts; hashed, never stored. */
  parts: readonly string[];
}

/**
 * Runs `work` at most once per caller and key. The key is claimed (a conditional write) before the work, so of
 * two concurrent repeats one works and the other is a 409 while the first is in progress. The answer is kept for
 * 24 h and replayed to a repeat of the same request; the same key on another request is a 422.
 *
 * What is kept: every answer the caller can act on (2xx–4xx, errors included, as a repeat would meet them again).
 * A 5xx or an unexpected error releases the key: nothing was promised, and a retry may do the work.
 */
export async function once(
  deps: IdempotentDeps,
  request: KeyedRequest,
  work: () => Promise<StoredAnswer>,
): Promise<StoredAnswer & { replayed?: true }> {
  const id = hash([request.principal, request.key]);
  const fingerprint = hash(request.parts);
  const claim = randomUUID();
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const held = await deps.idempotency.claim(
    {
      id,
      fingerprint,
      claim,
      lockedUntil: nowSeconds + IN_PROGRESS_LOCK_SECONDS,
      expiresAt: nowSeconds + IDEMPOTENCY_TTL_SECONDS,
    },
    now,
  );
  if (held) {
    if (held.fingerprint !== fingerprint)
      throw new IdempotencyKeyReusedError(`${IDEMPOTENCY_KEY_FIELD} was already used for a different request`, {
        details: [{ field: IDEMPOTENCY_KEY_FIELD, reason: 'was already used for a different request' }],
      });
    if (!held.answer)
      throw new ConflictError(`a request with this ${IDEMPOTENCY_KEY_FIELD} is still in progress; repeat it later`, {
        details: [{ field: IDEMPOTENCY_KEY_FIELD, reason: 'a request with this key is in progress' }],
      });
    deps.logger.info('idempotent replay', { status: held.answer.statusCode });
    return { ...held.answer, replayed: true };
  }
  const keep = (answer: StoredAnswer) =>
    deps.idempotency.complete(id, claim, answer, Math.floor(deps.now().getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS);
  let answer: StoredAnswer;
  try {
    answer = await work();
  } catch (error) {
    if (isEksflowError(error) && error.status < 500) {
      await keep({
        statusCode: error.status,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(errorBodyOf(error)),
      });
    } else {
      await deps.idempotency
        .release(id, claim)
        .catch((e) => deps.logger.warn('idempotency release failed', { error: e }));
    }
    throw error;
  }
  if (answer.statusCode >= 500) await deps.idempotency.release(id, claim);
  else await keep(answer);
  return answer;
}

/** SHA-256 of the parts, each length-prefixed so that no two lists hash alike. */
function hash(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(`${Buffer.byteLength(part)}:`).update(part);
  return h.digest('hex');
}
