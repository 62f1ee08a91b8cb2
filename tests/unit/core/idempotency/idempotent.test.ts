import { IN_PROGRESS_LOCK_SECONDS, once } from '../../../../core/idempotency/idempotent';
import {
  ConflictError,
  IdempotencyKeyReusedError,
  TransientError,
  ValidationError,
} from '../../../../core/kernel/errors';
import { createLogger } from '../../../../core/kernel/logger';
import { MemoryIdempotencyStore } from '../../../fakes/memory-idempotency-store';

const T0 = Date.parse('2026-12-07T00:00:00Z');

function setup() {
  let now = T0;
  const store = new MemoryIdempotencyStore();
  const deps = { idempotency: store, now: () => new Date(now), logger: createLogger('silent') };
  let calls = 0;
  const work = async () => ({ statusCode: 202, body: JSON.stringify({ n: ++calls }) });
  return {
    deps,
    store,
    work,
    calls: () => calls,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
  };
}

const request = (parts = ['POST /x', '{"delta":1}'], principal = 'alice', key = 'k-1') => ({ principal, key, parts });

describe('once (Idempotency-Key)', () => {
  it('a repeat of the same request gets the first answer, and the work runs once', async () => {
    // Prepare
    const s = setup();

    // Act
    const first = await once(s.deps, request(), s.work);
    const repeat = await once(s.deps, request(), s.work);

    // Assess
    expect(s.calls()).toBe(1);
    expect(repeat).toEqual({ ...first, replayed: true });
  });

  it('two concurrent repeats do the work once; the one that lost the claim is a 409 naming the header', async () => {
    // Prepare: the first request's work waits until released
    const s = setup();
    let release: () => void = () => undefined;
    const slow = async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return s.work();
    };

    // Act
    const first = once(s.deps, request(), slow);
    const second = await once(s.deps, request(), s.work).catch((e: unknown) => e);
    release();
    await first;

    // Assess
    expect(second).toBeInstanceOf(ConflictError);
    expect((second as ConflictError).details[0]?.field).toBe('Idempotency-Key');
    expect(s.calls()).toBe(1);
  });

  it('the same key on a different request is a 422 naming the header, and nothing runs', async () => {
    // Prepare
    const s = setup();
    await once(s.deps, request(), s.work);

    // Act
    const error = await once(s.deps, request(['POST /x', '{"delta":5}']), s.work).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect((error as IdempotencyKeyReusedError).status).toBe(422);
    expect((error as IdempotencyKeyReusedError).details[0]?.field).toBe('Idempotency-Key');
    expect(s.calls()).toBe(1);
  });

  it('keys are per caller: the same key from another caller is its own request', async () => {
    // Prepare
    const s = setup();
    await once(s.deps, request(), s.work);

    // Act
    const other = await once(s.deps, request(undefined, 'bob'), s.work);

    // Assess
    expect(other.replayed).toBeUndefined();
    expect(s.calls()).toBe(2);
  });

  it('a claim left by a request that died lapses after the lock; the key is not wedged', async () => {
    // Prepare: a request claims the key and never answers
    const s = setup();
    void once(s.deps, request(), () => new Promise(() => undefined));
    await Promise.resolve();

    // Act
    const during = await once(s.deps, request(), s.work).catch((e: unknown) => e);
    s.advance(IN_PROGRESS_LOCK_SECONDS + 1);
    const after = await once(s.deps, request(), s.work);

    // Assess
    expect(during).toBeInstanceOf(ConflictError);
    expect(after.statusCode).toBe(202);
    expect(s.calls()).toBe(1);
  });

  it('a refusal the caller caused is kept and replayed; a failure that may pass releases the key', async () => {
    // Prepare
    const s = setup();
    const refuse = async (): Promise<never> => {
      throw ValidationError.forField('delta', 'too big');
    };
    const fail = async (): Promise<never> => {
      throw new TransientError('try again');
    };

    // Act
    await expect(once(s.deps, request(), refuse)).rejects.toBeInstanceOf(ValidationError);
    const replayed = await once(s.deps, request(), s.work);
    await expect(once(s.deps, request(undefined, 'bob'), fail)).rejects.toBeInstanceOf(TransientError);
    const retried = await once(s.deps, request(undefined, 'bob'), s.work);

    // Assess
    expect(replayed).toMatchObject({ statusCode: 400, replayed: true });
    expect(JSON.parse(replayed.body ?? '{}').error.details[0].field).toBe('delta');
    expect(retried).toEqual({ statusCode: 202, body: JSON.stringify({ n: 1 }) });
  });

  it('after 24 hours the key is forgotten', async () => {
    // Prepare
    const s = setup();
    await once(s.deps, request(), s.work);

    // Act
    s.advance(24 * 60 * 60 + 1);
    const later = await once(s.deps, request(), s.work);

    // Assess
    expect(later.replayed).toBeUndefined();
    expect(s.calls()).toBe(2);
  });

  it('the store holds neither the caller nor the key in clear', async () => {
    // Prepare
    const s = setup();

    // Act
    await once(s.deps, request(undefined, 'arn:aws:iam::1:user/alice', 'secret-key'), s.work);

    // Assess
    expect(JSON.stringify([...s.store.records.entries()])).not.toMatch(/alice|secret-key/);
  });
});
