import {
  DependencyError,
  ThrottledError,
  TransientError,
  ValidationError,
  VersionConflictError,
} from '../../../../core/kernel/errors';
import {
  ConflictBudget,
  isRetryableError,
  isTransientNetworkError,
  retryOnConflict,
  withRetry,
} from '../../../../core/kernel/retry';

function awsError(name: string, httpStatusCode?: number) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(httpStatusCode ? { $metadata: { httpStatusCode } } : {}),
  });
}

/** A function that fails with `errors` in turn, then returns 'ok'; counts its calls. */
function failing(...errors: unknown[]) {
  const fn = jest.fn(async () => {
    const next = errors.shift();
    if (next !== undefined) throw next;
    return 'ok';
  });
  return fn;
}

describe('isRetryableError', () => {
  it.each([
    { what: 'ThrottledError', error: new ThrottledError('slow down'), retryable: true },
    { what: 'TransientError', error: new TransientError('blip'), retryable: true },
    { what: 'DependencyError', error: new DependencyError('denied'), retryable: false },
    { what: 'ValidationError', error: new ValidationError('bad'), retryable: false },
    { what: 'AWS ThrottlingException', error: awsError('ThrottlingException', 400), retryable: true },
    { what: 'AWS TooManyRequestsException', error: awsError('TooManyRequestsException', 429), retryable: true },
    {
      what: 'DynamoDB ProvisionedThroughputExceededException',
      error: awsError('ProvisionedThroughputExceededException', 400),
      retryable: true,
    },
    { what: 'AWS 500 InternalFailure', error: awsError('InternalFailure', 500), retryable: true },
    { what: 'AWS 503 ServiceUnavailable', error: awsError('ServiceUnavailableException', 503), retryable: true },
    {
      what: 'SDK $retryable marker',
      error: Object.assign(awsError('Weird', 400), { $retryable: {} }),
      retryable: true,
    },
    // AWS answers 409 for "already exists / in use": retrying cannot fix it, and callers (EksClusterApi.createCluster) must see it.
    { what: 'AWS 409 ResourceInUseException', error: awsError('ResourceInUseException', 409), retryable: false },
    { what: 'AWS 409 ConflictException', error: awsError('ConflictException', 409), retryable: false },
    { what: 'AWS 400 ResourceNotFoundException', error: awsError('ResourceNotFoundException', 404), retryable: false },
    {
      what: 'AWS ConditionalCheckFailedException',
      error: awsError('ConditionalCheckFailedException', 400),
      retryable: false,
    },
    { what: 'Kubernetes 429', error: { code: 429 }, retryable: true },
    { what: 'Kubernetes 503', error: { code: 503 }, retryable: true },
    { what: 'Kubernetes 404', error: { code: 404 }, retryable: false },
    { what: 'ECONNRESET', error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), retryable: true },
    { what: 'a plain Error', error: new Error('boom'), retryable: false },
    { what: 'a string', error: 'boom', retryable: false },
    { what: 'null', error: null, retryable: false },
  ])('$what → retryable: $retryable', ({ error, retryable }) => {
    // Act / Assess
    expect(isRetryableError(error)).toBe(retryable);
  });
});

/** A Node system error (`code` on the error), as net/dns/http and node-fetch 2's FetchError carry it. */
const systemError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isTransientNetworkError', () => {
  it.each([
    { what: 'ECONNRESET (socket hang up)', error: systemError('ECONNRESET', 'socket hang up'), transient: true },
    { what: 'ECONNREFUSED', error: systemError('ECONNREFUSED'), transient: true },
    { what: 'ECONNABORTED', error: systemError('ECONNABORTED'), transient: true },
    { what: 'ETIMEDOUT', error: systemError('ETIMEDOUT'), transient: true },
    { what: 'EPIPE', error: systemError('EPIPE'), transient: true },
    { what: 'ENETUNREACH', error: systemError('ENETUNREACH'), transient: true },
    { what: 'EHOSTUNREACH', error: systemError('EHOSTUNREACH'), transient: true },
    { what: 'EAI_AGAIN (resolver timeout / SERVFAIL)', error: systemError('EAI_AGAIN'), transient: true },
    { what: 'node-fetch premature close', error: systemError('ERR_STREAM_PREMATURE_CLOSE'), transient: true },
    {
      what: 'undici UND_ERR_SOCKET under fetch failed',
      error: new TypeError('fetch failed', { cause: systemError('UND_ERR_SOCKET', 'other side closed') }),
      transient: true,
    },
    {
      what: 'undici UND_ERR_CONNECT_TIMEOUT under fetch failed',
      error: new TypeError('fetch failed', { cause: systemError('UND_ERR_CONNECT_TIMEOUT') }),
      transient: true,
    },
    {
      what: 'undici UND_ERR_HEADERS_TIMEOUT under fetch failed',
      error: new TypeError('fetch failed', { cause: systemError('UND_ERR_HEADERS_TIMEOUT') }),
      transient: true,
    },
    {
      what: 'a reset two causes deep (our wrapper around fetch failed)',
      error: new Error('outer', { cause: new TypeError('fetch failed', { cause: systemError('ECONNRESET') }) }),
      transient: true,
    },
    {
      what: 'AWS SDK TimeoutError (connection/request timeout)',
      error: Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }),
      transient: true,
    },
    { what: 'AbortSignal.timeout() reason', error: new DOMException('timed out', 'TimeoutError'), transient: true },
    {
      what: "the SDK's wrapper of a socket error from another realm (only its message is left)",
      error: new Error('AWS SDK error wrapper for TimeoutError: socket hang up'),
      transient: true,
    },
    { what: "the SDK's wrapper of anything else", error: new Error('AWS SDK error wrapper for 42'), transient: false },
    { what: 'ENOTFOUND (no such name: a wrong host stays wrong)', error: systemError('ENOTFOUND'), transient: false },
    { what: 'a deliberate AbortError', error: new DOMException('aborted', 'AbortError'), transient: false },
    { what: 'ECONNRESET text without the code', error: new Error('ECONNRESET'), transient: false },
    { what: 'an HTTP status', error: { code: 503 }, transient: false },
    {
      what: 'a cycle of causes',
      error: (() => {
        const e: Error = new Error('loop');
        e.cause = e;
        return e;
      })(),
      transient: false,
    },
    { what: 'undefined', error: undefined, transient: false },
  ])('$what → $transient', ({ error, transient }) => {
    // Act / Assess
    expect(isTransientNetworkError(error)).toBe(transient);
  });

  it('is what isRetryableError uses for network errors (one list for AWS and Kubernetes)', () => {
    // Act / Assess
    expect(isRetryableError(systemError('EAI_AGAIN'))).toBe(true);
    expect(isRetryableError(new TypeError('fetch failed', { cause: systemError('UND_ERR_SOCKET') }))).toBe(true);
    expect(isRetryableError(systemError('ENOTFOUND'))).toBe(false);
  });
});

describe('withRetry', () => {
  const noSleep = () => jest.fn(async (_ms: number) => undefined);

  it('returns at once when the first attempt succeeds', async () => {
    // Prepare
    const fn = failing();
    const sleep = noSleep();

    // Act
    const result = await withRetry(fn, { sleep });

    // Assess
    expect(result).toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('retries an AWS ThrottlingException and returns the later success', async () => {
    // Prepare
    const fn = failing(awsError('ThrottlingException', 400), awsError('ThrottlingException', 400));
    const sleep = noSleep();

    // Act
    const result = await withRetry(fn, { sleep });

    // Assess
    expect(result).toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  it('throws a non-retryable error at once', async () => {
    // Prepare
    const denied = new DependencyError('AccessDenied');
    const fn = failing(denied);
    const sleep = noSleep();

    // Act / Assess
    await expect(withRetry(fn, { sleep })).rejects.toBe(denied);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it.each([
    { attempts: 1, calls: 1, sleeps: 0 },
    { attempts: 3, calls: 3, sleeps: 2 },
    { attempts: 5, calls: 5, sleeps: 4 },
  ])(
    'gives up after attempts=$attempts: $calls calls, $sleeps sleeps, last error thrown',
    async ({ attempts, calls, sleeps }) => {
      // Prepare
      const errors = Array.from({ length: 10 }, (_, i) => new TransientError(`blip ${i + 1}`));
      const fn = failing(...errors);
      const sleep = noSleep();

      // Act / Assess
      await expect(withRetry(fn, { attempts, sleep })).rejects.toThrow(`blip ${calls}`);
      expect(fn).toHaveBeenCalledTimes(calls);
      expect(sleep).toHaveBeenCalledTimes(sleeps);
    },
  );

  it('defaults to 5 attempts', async () => {
    // Prepare
    const fn = failing(...Array.from({ length: 10 }, () => new TransientError('blip')));
    const sleep = noSleep();

    // Act / Assess
    await expect(withRetry(fn, { sleep })).rejects.toBeInstanceOf(TransientError);
    expect(fn).toHaveBeenCalledTimes(5);
  });

  it.each([
    // attempt n waits in [ceiling/2, ceiling], ceiling = min(max, base * 2^(n-1))
    { random: 0, base: 100, max: 3000, waits: [50, 100, 200, 400] },
    { random: 0.999999, base: 100, max: 3000, waits: [100, 200, 400, 800] },
    { random: 0, base: 1000, max: 3000, waits: [500, 1000, 1500, 1500] },
  ])(
    'backs off exponentially with jitter (base $base, max $max, random $random)',
    async ({ random, base, max, waits }) => {
      // Prepare
      const spy = jest.spyOn(Math, 'random').mockReturnValue(random);
      const fn = failing(...Array.from({ length: 4 }, () => new TransientError('blip')));
      const sleep = noSleep();

      // Act
      try {
        await withRetry(fn, { attempts: 5, baseDelayMs: base, maxDelayMs: max, sleep });
      } finally {
        spy.mockRestore();
      }

      // Assess
      expect(sleep.mock.calls.map(([ms]) => Math.round(ms))).toEqual(waits);
    },
  );

  it('starts no attempt after lastAttemptStartMs, counting from the first attempt', async () => {
    // Prepare: each attempt takes 10 s on a fake clock; no attempt may start after 15 s.
    let clock = 0;
    const fn = jest.fn(async () => {
      clock += 10_000;
      throw new TransientError('hung');
    });
    const sleep = jest.fn(async (ms: number) => {
      clock += ms;
    });

    // Act
    const caught = await withRetry(fn, { attempts: 5, lastAttemptStartMs: 15_000, sleep, now: () => clock }).catch(
      (e: unknown) => e,
    );

    // Assess: attempt 2 starts at ~10 s, attempt 3 would start at ~20 s.
    expect(caught).toBeInstanceOf(TransientError);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('uses a custom isRetryable', async () => {
    // Prepare
    const fn = failing(new Error('custom'));
    const sleep = noSleep();

    // Act
    const result = await withRetry(fn, { sleep, isRetryable: (e) => (e as Error).message === 'custom' });

    // Assess
    expect(result).toBe('ok');
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe('retryOnConflict', () => {
  it('runs the attempt again after each VersionConflictError, counting n up, and returns its result', async () => {
    // Prepare
    const seen: number[] = [];
    const attempt = async (n: number) => {
      seen.push(n);
      if (n < 2) throw new VersionConflictError('changed since read');
      return `decided at ${n}`;
    };

    // Act
    const result = await retryOnConflict('rollout r1', attempt);

    // Assess
    expect(result).toBe('decided at 2');
    expect(seen).toEqual([0, 1, 2]);
  });

  it.each([
    { what: 'a TransientError', error: new TransientError('blip') },
    { what: 'a ValidationError', error: new ValidationError('bad') },
    { what: 'a plain Error', error: new Error('boom') },
  ])('passes $what through at once', async ({ error }) => {
    // Prepare
    const fn = failing(error);

    // Act
    const outcome = retryOnConflict('rollout r1', fn);

    // Assess
    await expect(outcome).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it.each([
    { attempts: undefined, expected: 5 },
    { attempts: 10, expected: 10 },
  ])(
    'after $expected conflicts in a row throws a TransientError naming what, caused by the last',
    async ({ attempts, expected }) => {
      // Prepare
      const conflicts = Array.from({ length: 20 }, (_, i) => new VersionConflictError(`clash ${i}`));
      const fn = failing(...conflicts);

      // Act
      const error = await retryOnConflict('operation op-1', fn, attempts).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toBe('operation op-1: too many concurrent writers');
      expect((error as Error).cause).toBe(conflicts[expected - 1]);
      expect(fn).toHaveBeenCalledTimes(expected);
    },
  );
});

describe('ConflictBudget', () => {
  it('is spent across several reads: the 3rd conflict of a budget of 3 throws, whatever came between', () => {
    // Prepare
    const budget = new ConflictBudget('rollout r1', 3);

    // Act
    budget.spend(new VersionConflictError('first'));
    budget.spend(new VersionConflictError('second'));
    const third = new VersionConflictError('third');

    // Assess
    expect(() => budget.spend(third)).toThrow(TransientError);
  });

  it('rethrows anything that is not a conflict', () => {
    // Prepare
    const budget = new ConflictBudget('rollout r1', 1);
    const other = new Error('boom');

    // Act
    const spend = () => budget.spend(other);

    // Assess
    expect(spend).toThrow(other);
  });
});
