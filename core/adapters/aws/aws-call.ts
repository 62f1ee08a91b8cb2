import { NotImplementedByEmulatorError, ThrottledError, TransientError } from '../../kernel/errors';
import { isRetryableError, type RetryOptions, withRetry } from '../../kernel/retry';

/**
 * What every AWS SDK client of eksflow is built with: the SDK's own retry strategy off. `awsCall` is the one
 * layer that retries a throttled, 5xx or dropped AWS call inside an invocation (see core/kernel/retry.ts, "Who
 * retries what"). Left on, the SDK's default (3 attempts) multiplies ours: 3 × 5 requests for one throttled
 * call, each of them taking a token from a quota that is already empty, so throttling feeds itself.
 */
export const SDK_RETRY_OFF = { maxAttempts: 1 } as const;

/**
 * The in-task budget of one AWS call: 6 attempts, pauses growing 200 ms → 3.2 s (jittered: 3–6 s in all). Long
 * enough to ride out a one-second quota bucket emptied by a burst of callers (DescribeAlarms: 9 a second),
 * bounded so that a task gives up well inside its Lambda timeout and the workflow's Retry takes over.
 */
export const AWS_CALL_RETRY: RetryOptions = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5000 };

/**
 * Runs one AWS SDK call with backoff on throttling/5xx, then maps what is left to our error classes
 * (their names are what the workflows' Retry/Catch match on).
 */
export async function awsCall<T>(what: string, fn: () => Promise<T>, retry: RetryOptions = {}): Promise<T> {
  try {
    return await withRetry(fn, { ...AWS_CALL_RETRY, ...retry });
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
