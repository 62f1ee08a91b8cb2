import { ThrottledError, TransientError } from './errors';

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Decides whether an error is worth another attempt. */
  isRetryable?: (error: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Our own transient classes, AWS throttling, 429 and 5xx, dropped connections. */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof ThrottledError || error instanceof TransientError) return true;
  const e = error as { name?: string; code?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable) return true;
  const awsThrottles = [
    'ThrottlingException',
    'Throttling',
    'TooManyRequestsException',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
  ];
  if (e.name && awsThrottles.includes(e.name)) return true;
  const status = e.$metadata?.httpStatusCode ?? (typeof e.code === 'number' ? e.code : undefined);
  // 409 is left out on purpose: for AWS it means "in use"/"conflict", which a retry cannot fix.
  if (status === 429) return true;
  if (status !== undefined && status >= 500) return true;
  return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(String((e as { code?: unknown }).code));
}

/** Runs `fn` again after an exponentially growing, jittered delay while the error is retryable. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 3000;
  const retryable = options.isRetryable ?? isRetryableError;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const ceiling = Math.min(max, base * 2 ** (attempt - 1));
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
  }
}
