/**
 * Remembered answers of mutating API requests, by the caller's `Idempotency-Key` (core/idempotency/idempotent.ts).
 * A record is first claimed (in progress, held by one request for a short while), then completed with the answer,
 * or released when the request failed in a way a retry may fix.
 */

/** An HTTP answer as it went out: replayed byte for byte. */
export interface StoredAnswer {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface IdempotencyRecord {
  /** The caller and key, hashed (the store never holds either in clear). */
  id: string;
  /** Hash of what the request asked (route, path, query, body): the same key with another request is refused. */
  fingerprint: string;
  /** Who holds an in-progress record: only that request may complete or release it. */
  claim: string;
  /** Epoch seconds until which an in-progress claim holds; a claim left by a crashed request lapses after it. */
  lockedUntil: number;
  /** Epoch seconds: the table's TTL attribute; a record past it counts as absent even before DynamoDB deletes it. */
  expiresAt: number;
  /** Present once completed. */
  answer?: StoredAnswer;
}

export interface IdempotencyStore {
  /**
   * Takes the record for `record.id` when no live one exists (none, expired, or an in-progress claim that lapsed
   * before `now`): undefined then. Otherwise the record that holds the key, unchanged. Atomic: of two concurrent
   * claims, one gets the key.
   */
  claim(record: IdempotencyRecord, now: Date): Promise<IdempotencyRecord | undefined>;
  /** Stores the answer in the record `claim` holds; a claim lost meanwhile (it lapsed and was taken) is left alone. */
  complete(id: string, claim: string, answer: StoredAnswer, expiresAt: number): Promise<void>;
  /** Deletes the record `claim` holds, so a retry does the work; a record held by another claim is left alone. */
  release(id: string, claim: string): Promise<void>;
}
