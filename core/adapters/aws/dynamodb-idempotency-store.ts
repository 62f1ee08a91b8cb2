import type { IdempotencyRecord, IdempotencyStore, StoredAnswer } from '../../idempotency/ports/idempotency';
import { TransientError } from '../../kernel/errors';
import { Conditions, DynamoStore, Keys } from './dynamodb-table';

/** How often a claim is tried when the record it lost to has just expired or been released. */
const CLAIM_ATTEMPTS = 3;

/**
 * Idempotency records in the single eksflow table:
 *   IDEMPOTENCY#<hash of caller and key> / IDEMPOTENCY   {fingerprint, claim, lockedUntil, expiresAt, answer?}
 * `expiresAt` is the table's TTL attribute (24 h). Every write is conditional: a claim only on a record that is
 * absent, expired or a lapsed in-progress claim; completing and releasing only by the claim's holder.
 */
export class DynamoDbIdempotencyStore extends DynamoStore implements IdempotencyStore {
  async claim(record: IdempotencyRecord, now: Date): Promise<IdempotencyRecord | undefined> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    for (let attempt = 1; ; attempt++) {
      const taken = await this.table.put(
        { ...Keys.idempotency(record.id), ...withoutAnswer(record) },
        {
          expression:
            'attribute_not_exists(pk) OR expiresAt < :now OR (attribute_not_exists(answer) AND lockedUntil < :now)',
          values: { ':now': nowSeconds },
        },
      );
      if (taken) return undefined;
      const held = await this.get(record.id);
      if (held) return held;
      // Gone between the two calls (released, or deleted by TTL): claim again, a few times.
      if (attempt >= CLAIM_ATTEMPTS)
        throw new TransientError('the idempotency record kept changing while it was claimed; send the request again');
    }
  }

  async complete(id: string, claim: string, answer: StoredAnswer, expiresAt: number): Promise<void> {
    const held = await this.get(id);
    if (!held || held.claim !== claim) return;
    await this.table.put({ ...Keys.idempotency(id), ...held, answer, expiresAt }, Conditions.equals('claim', claim));
  }

  async release(id: string, claim: string): Promise<void> {
    // Refused when another caller holds the record now: nothing of ours to release.
    await this.table.delete(Keys.idempotency(id), Conditions.equals('claim', claim));
  }

  private async get(id: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.table.get(Keys.idempotency(id));
    if (!item) return undefined;
    // expiresAt is part of the record here (the claim's own expiry), so only the key is dropped.
    const { pk: _pk, sk: _sk, ...record } = item;
    return record as unknown as IdempotencyRecord;
  }
}

function withoutAnswer({ answer: _answer, ...rest }: IdempotencyRecord) {
  return rest;
}
