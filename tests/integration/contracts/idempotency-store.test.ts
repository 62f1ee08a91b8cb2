import { DynamoDbIdempotencyStore } from '../../../core/adapters/aws/dynamodb-idempotency-store';
import type { IdempotencyRecord, IdempotencyStore } from '../../../core/idempotency/ports/idempotency';
import { MemoryIdempotencyStore } from '../../fakes/memory-idempotency-store';
import { storeImplementations } from '../../helpers/store-contract';

/**
 * The IdempotencyStore port's contract, one suite for the memory fake and the DynamoDB store: a claim takes a key
 * only when no live record holds it, and only the claim's holder completes or releases it.
 */
describe.each(
  storeImplementations<IdempotencyStore>(
    () => new MemoryIdempotencyStore(),
    (table, client) => new DynamoDbIdempotencyStore(table, client),
  ),
)('IdempotencyStore contract: %s', (_name, make) => {
  let store: IdempotencyStore;
  beforeEach(async () => {
    store = await make();
  });
  const now = new Date('2026-12-07T00:00:00Z');
  const seconds = now.getTime() / 1000;
  const later = (s: number) => new Date(now.getTime() + s * 1000);
  /** A claim made `at` seconds after `now`: locked for 60 s, kept for a day, as the use case makes them. */
  const record = (claim: string, at = 0, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
    id: 'h1',
    fingerprint: 'f1',
    claim,
    lockedUntil: seconds + at + 60,
    expiresAt: seconds + at + 86_400,
    ...overrides,
  });
  const answer = { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"id":"op-1"}' };

  it('a free key is taken; while its claim holds, another claim gets the holding record back', async () => {
    // Act
    const first = await store.claim(record('c1'), now);
    const second = await store.claim(record('c2', 30), later(30));

    // Assess
    expect(first).toBeUndefined();
    expect(second).toEqual(record('c1'));
  });

  it('a completed record answers every later claim with its answer, even after the claim’s lock lapsed', async () => {
    // Prepare
    await store.claim(record('c1'), now);

    // Act
    await store.complete('h1', 'c1', answer, seconds + 86_400);
    const replay = await store.claim(record('c2', 3600), later(3600));

    // Assess
    expect(replay).toEqual({ ...record('c1'), answer });
  });

  it('an in-progress claim left past its lock (a crashed request) lapses: the next claim takes the key', async () => {
    // Prepare
    await store.claim(record('c1'), now);

    // Act
    const taken = await store.claim(record('c2', 61), later(61));
    const after = await store.claim(record('c3', 62), later(62));

    // Assess
    expect(taken).toBeUndefined();
    expect(after).toMatchObject({ claim: 'c2' });
  });

  it('a completed record past its expiry counts as absent, before any TTL deletes it', async () => {
    // Prepare
    await store.claim(record('c1', 0, { expiresAt: seconds + 100 }), now);
    await store.complete('h1', 'c1', answer, seconds + 100);

    // Act
    const taken = await store.claim(record('c2', 101), later(101));

    // Assess
    expect(taken).toBeUndefined();
    expect(await store.claim(record('c3', 102), later(102))).toEqual(record('c2', 101));
  });

  it('only the holder completes: a claim that lost the key meanwhile writes nothing', async () => {
    // Prepare
    await store.claim(record('c1'), now);
    await store.claim(record('c2', 61), later(61)); // c1 lapsed; c2 holds

    // Act
    await store.complete('h1', 'c1', answer, seconds + 86_400);

    // Assess
    expect(await store.claim(record('c3', 62), later(62))).toEqual(record('c2', 61));
  });

  it('only the holder releases: a released key is free again, another holder’s is left alone', async () => {
    // Prepare
    await store.claim(record('c1'), now);

    // Act
    await store.release('h1', 'other');
    const stillHeld = await store.claim(record('c2', 1), later(1));
    await store.release('h1', 'c1');
    const free = await store.claim(record('c3', 2), later(2));

    // Assess
    expect(stillHeld).toEqual(record('c1'));
    expect(free).toBeUndefined();
  });

  it('of concurrent claims of one key, exactly one takes it and the others see its record', async () => {
    // Act
    const answers = await Promise.all(['c1', 'c2', 'c3', 'c4'].map((claim) => store.claim(record(claim), now)));

    // Assess
    const winners = answers.filter((a) => a === undefined);
    expect(winners).toHaveLength(1);
    const holder = answers.find((a) => a !== undefined)?.claim;
    expect(answers.filter((a) => a !== undefined).every((a) => a?.claim === holder)).toBe(true);
  });
});
