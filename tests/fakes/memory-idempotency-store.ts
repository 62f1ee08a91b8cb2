import type { IdempotencyRecord, IdempotencyStore, StoredAnswer } from '../../core/idempotency/ports/idempotency';

/** Same contract as the DynamoDB adapter, in memory: for unit tests of the use cases. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, IdempotencyRecord>();

  async claim(record: IdempotencyRecord, now: Date): Promise<IdempotencyRecord | undefined> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const held = this.records.get(record.id);
    if (held && held.expiresAt >= nowSeconds && (held.answer || held.lockedUntil >= nowSeconds))
      return structuredClone(held);
    this.records.set(record.id, structuredClone({ ...record, answer: undefined }));
    return undefined;
  }

  async complete(id: string, claim: string, answer: StoredAnswer, expiresAt: number): Promise<void> {
    const held = this.records.get(id);
    if (held?.claim === claim) this.records.set(id, { ...held, answer: structuredClone(answer), expiresAt });
  }

  async release(id: string, claim: string): Promise<void> {
    if (this.records.get(id)?.claim === claim) this.records.delete(id);
  }
}
