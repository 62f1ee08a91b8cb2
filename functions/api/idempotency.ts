import { type IdempotentDeps, once } from '../../core/idempotency/idempotent';
import {
  IDEMPOTENCY_KEY_FIELD,
  IDEMPOTENCY_KEY_HEADER,
  parseIdempotencyKey,
} from '../../core/idempotency/requests/idempotency-key';
import { ValidationError } from '../../core/kernel/errors';
import { decodedBody, type HttpEvent, type HttpResult } from './http';

/** Says a repeat got the remembered answer (as Stripe's `Idempotent-Replayed`); the answer is otherwise the first. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * A mutating route's work, done at most once per caller and `Idempotency-Key` (core/idempotency/idempotent.ts).
 * Called after the route's cheap checks (authorization from the path or the stored record, body validation): a
 * refused request claims no key. Without a key the work just runs, unless `requiredBecause` says why it may not.
 */
export async function idempotently(
  event: HttpEvent,
  c: IdempotentDeps,
  principal: string,
  work: () => Promise<HttpResult>,
  requiredBecause?: string,
): Promise<HttpResult> {
  const key = parseIdempotencyKey(event.headers?.[IDEMPOTENCY_KEY_HEADER]);
  if (key === undefined) {
    if (requiredBecause) throw ValidationError.forField(IDEMPOTENCY_KEY_FIELD, `is required: ${requiredBecause}`);
    return work();
  }
  const answer = await once(c, { principal, key, parts: requestParts(event) }, async () => {
    const result = await work();
    return {
      statusCode: result.statusCode ?? 200,
      headers: result.headers as Record<string, string> | undefined,
      body: result.body,
    };
  });
  const { replayed, ...result } = answer;
  return replayed ? { ...result, headers: { ...result.headers, [REPLAYED_HEADER]: 'true' } } : result;
}

/** What a repeat must match: route, path, query (in a fixed order) and body bytes. */
function requestParts(event: HttpEvent): string[] {
  const query = Object.entries(event.queryStringParameters ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return [event.routeKey, event.rawPath ?? '', JSON.stringify(query), decodedBody(event)?.toString('base64') ?? ''];
}
