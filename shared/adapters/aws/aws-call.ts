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
  if (isEmulatorGap(error))
    return new NotImplementedByEmulatorError(`${what} is not implemented by the AWS emulator`, { cause: error });
  if (!isRetryableError(error)) return error; // callers handle the expected ones (NotFound, InUse, …)
  const name = awsErrorName(error) ?? 'Error';
  const message = `${what} failed: ${(error as Error).message ?? name}`;
  return /Throttl|TooManyRequests|LimitExceeded/.test(name)
    ? new ThrottledError(message, { cause: error })
    : new TransientError(message, { cause: error });
}

/**
 * THE one place that knows the emulator's gaps. moto answers an API it lacks in one of two ways:
 * a route it does not know (e.g. EKS DescribeAddon, DescribeUpdate) gets its HTML 404 page, which the
 * SDK fails to parse as JSON; a known route without a backend says "not yet implemented". Real AWS
 * never answers either way.
 */
export function isEmulatorGap(error: unknown): boolean {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const message = `${e?.message ?? ''}`;
  if (/not (yet )?implemented/i.test(message)) return true;
  return e?.$metadata?.httpStatusCode === 404 && e.name === 'SyntaxError' && /<!doctype|<html/i.test(message);
}
