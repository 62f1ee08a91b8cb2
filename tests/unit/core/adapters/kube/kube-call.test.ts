import { isKubeRetryable, kubeCall, kubeStatus } from '../../../../../core/adapters/kube/kube-call';
import { ThrottledError, TransientError } from '../../../../../core/kernel/errors';

/** Shaped like @kubernetes/client-node's ApiException: `code` is the HTTP status. */
function apiException(code: number, message = `HTTP-Code: ${code}`) {
  return Object.assign(new Error(message), { code, body: '{}', headers: {} });
}

function networkError(code: string, viaCause = false) {
  const inner = Object.assign(new Error(`connect ${code}`), { code });
  return viaCause ? new TypeError('fetch failed', { cause: inner }) : inner;
}

describe('isKubeRetryable', () => {
  it.each([
    { what: '409 Conflict (exists / stale write: the caller resolves it)', error: apiException(409), retryable: false },
    { what: '404 Not Found', error: apiException(404), retryable: false },
    { what: '422 Unprocessable', error: apiException(422), retryable: false },
    { what: '403 Forbidden', error: apiException(403), retryable: false },
    { what: '429 Too Many Requests', error: apiException(429), retryable: true },
    { what: '500', error: apiException(500), retryable: true },
    { what: '503', error: apiException(503), retryable: true },
    { what: 'ECONNREFUSED', error: networkError('ECONNREFUSED'), retryable: true },
    { what: 'ECONNRESET inside fetch failed', error: networkError('ECONNRESET', true), retryable: true },
    { what: 'UND_ERR_SOCKET inside fetch failed', error: networkError('UND_ERR_SOCKET', true), retryable: true },
    { what: 'EAI_AGAIN (DNS hiccup)', error: networkError('EAI_AGAIN'), retryable: true },
    { what: 'EHOSTUNREACH', error: networkError('EHOSTUNREACH'), retryable: true },
    { what: 'ENOTFOUND (no such host: retrying cannot help)', error: networkError('ENOTFOUND'), retryable: false },
    {
      what: 'AbortError (node-fetch 2 when our request timeout fires)',
      error: Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }),
      retryable: true,
    },
    { what: 'a plain Error', error: new Error('boom'), retryable: false },
    { what: 'undefined', error: undefined, retryable: false },
  ])('$what → $retryable', ({ error, retryable }) => {
    // Act / Assess
    expect(isKubeRetryable(error)).toBe(retryable);
  });

  it.each([
    { error: apiException(409), status: 409 },
    { error: networkError('ECONNRESET'), status: undefined },
    { error: undefined, status: undefined },
  ])('kubeStatus reads the HTTP status ($status)', ({ error, status }) => {
    // Act / Assess
    expect(kubeStatus(error)).toBe(status);
  });
});

describe('kubeCall', () => {
  let sleepSpy: jest.SpyInstance;
  beforeEach(() => {
    // withRetry sleeps with setTimeout: make every backoff immediate.
    sleepSpy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void) => {
      fn();
      return 0 as unknown as NodeJS.Timeout;
    }) as typeof setTimeout);
  });
  afterEach(() => sleepSpy.mockRestore());

  it('returns the result of a call that succeeds', async () => {
    // Act / Assess
    await expect(kubeCall('read namespace', async () => 'ns')).resolves.toBe('ns');
  });

  it('throws a 409 at once, unchanged, for the caller to resolve', async () => {
    // Prepare
    const conflict = apiException(409);
    const fn = jest.fn(async () => {
      throw conflict;
    });

    // Act / Assess
    await expect(kubeCall('create namespace', fn)).rejects.toBe(conflict);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('retries a 503 and returns the later success', async () => {
    // Prepare
    const fn = jest
      .fn()
      .mockRejectedValueOnce(apiException(503))
      .mockRejectedValueOnce(apiException(503))
      .mockResolvedValue('created');

    // Act
    const result = await kubeCall('create namespace', fn);

    // Assess
    expect(result).toBe('created');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it.each([
    { what: '429', error: apiException(429), type: ThrottledError, name: 'ThrottledError' },
    { what: '500', error: apiException(500), type: TransientError, name: 'TransientError' },
    { what: 'ECONNREFUSED', error: networkError('ECONNREFUSED'), type: TransientError, name: 'TransientError' },
  ])(
    'after 5 failed attempts a $what becomes a $name naming the call, with the cause kept',
    async ({ error, type, name }) => {
      // Prepare
      const fn = jest.fn(async () => {
        throw error;
      });

      // Act
      const caught = await kubeCall('create namespace team-a', fn).catch((e: unknown) => e);

      // Assess
      expect(fn).toHaveBeenCalledTimes(5);
      expect(caught).toBeInstanceOf(type);
      expect((caught as Error).name).toBe(name);
      expect((caught as Error).message).toMatch(/^create namespace team-a failed: /);
      expect((caught as Error).cause).toBe(error);
    },
  );
});
