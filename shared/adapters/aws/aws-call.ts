import { NotImplementedByEmulatorError, ThrottledError, TransientError } from '../../errors';
import { isRetryableError, withRetry, type RetryOptions } from '../../retry';

/**
 * Runs one AWS SDK call with backoff on throttling/5xx, then maps what is left to our error classes
 * (their names are what the workflows' Retry/Catch match on).
 */
export async function awsCall<T>(what: string, fn: () => Promise<T>, retry: RetryOptions = {}): Promise<T> {
  try {
    return await withRetry(fn, retry);
  } catch (error) {
    throw toEksflowError(what, error);
  }
}

export function awsErrorName(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

function toEksflowError(what: string, error: unknown): unknown {
  if (isEmulatorGap(error)) return new NotImplementedByEmulatorError(`${what} is not implemented by the AWS emulator`, { cause: error });
  if (!isRetryableError(error)) return error; // callers handle the expected ones (NotFound, InUse, …)
  const name = awsErrorName(error) ?? 'Error';
  const message = `${what} failed: ${(error as Error).message ?? name}`;
  return /Throttl|TooManyRequests|LimitExceeded/.test(name) ? new ThrottledError(message, { cause: error }) : new TransientError(message, { cause: error });
}

/**
 * THE one place that knows the emulator's gaps: moto answers an API it lacks with HTTP 500 and a
 * "not yet implemented" body (or a 404 for an unknown route). Real AWS never says this.
 */
export function isEmulatorGap(error: unknown): boolean {
  const e = error as { message?: string; $metadata?: { httpStatusCode?: number }; $response?: { body?: unknown } } | undefined;
  const text = `${e?.message ?? ''}`;
  return /not (yet )?implemented/i.test(text);
}
