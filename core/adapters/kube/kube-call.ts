import { ClusterAccessError, ThrottledError, TransientError } from '../../kernel/errors';
import { isTransientNetworkError, type RetryOptions, withRetry } from '../../kernel/retry';

/**
 * Longest wait for one Kubernetes API request (headers and body). Why: well inside the 30 s Lambda
 * timeout, so a request that hangs (a half-open connection, a body cut short: node-fetch 2 then waits
 * forever) still leaves time for a retry in the same invocation.
 */
export const KUBE_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A retry starts only if it could run a full request timeout and still end this long after the first
 * attempt. Why: 25 s leaves the last 5 s of a 30 s Lambda to record the outcome; two hung requests
 * (2 × 10 s) fit, a third does not.
 */
export const KUBE_CALL_BUDGET_MS = 25_000;

/** HTTP status of a client-node ApiException, or of a refusal the clients named (undefined for network errors). */
export function kubeStatus(error: unknown): number | undefined {
  if (error instanceof ClusterAccessError) return error.kubernetesStatus;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * client-node 1.4 sends requests with node-fetch 2, which rejects with an `AbortError` (the signal's
 * reason is lost) when the request's signal fires. The only signal on our requests is the request
 * timeout set in kube-clients.ts, so an AbortError from a Kubernetes call means "timed out".
 */
export function isKubeRequestTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'AbortError';
}

/**
 * 429 and 5xx, timeouts and dropped connections are worth another try; 409 is the caller's to resolve
 * (exists / stale write), other 4xx will not change.
 */
export function isKubeRetryable(error: unknown): boolean {
  const status = kubeStatus(error);
  if (status !== undefined) return status === 429 || status >= 500;
  return isKubeRequestTimeout(error) || isTransientNetworkError(error);
}

/**
 * One Kubernetes API call with backoff; what is still failing after that becomes a named error
 * (ThrottledError for 429, TransientError otherwise), the last failure kept as `cause`. Anything else
 * (404, 409, 422, ENOTFOUND, …) is thrown unchanged for the caller to judge.
 *
 * A write that timed out may still have been applied: its retry then meets 409 (create) or re-applies
 * the same patch, which callers must treat as done.
 */
export async function kubeCall<T>(what: string, fn: () => Promise<T>, retry: RetryOptions = {}): Promise<T> {
  try {
    return await withRetry(fn, {
      isRetryable: isKubeRetryable,
      lastAttemptStartMs: KUBE_CALL_BUDGET_MS - KUBE_REQUEST_TIMEOUT_MS,
      ...retry,
    });
  } catch (error) {
    if (!isKubeRetryable(error)) throw error;
    const reason = isKubeRequestTimeout(error) ? 'no answer within the request timeout' : (error as Error).message;
    const message = `${what} failed: ${reason}`;
    throw kubeStatus(error) === 429
      ? new ThrottledError(message, { cause: error })
      : new TransientError(message, { cause: error });
  }
}
