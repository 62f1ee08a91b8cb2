import { ThrottledError, TransientError } from '../../errors';
import { withRetry } from '../../retry';

/** HTTP status of a client-node ApiException (or undefined for network errors). */
export function kubeStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

const NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET'];

/** 429 and 5xx and dropped connections are worth another try; 409 is the caller's to resolve (exists / stale write). */
export function isKubeRetryable(error: unknown): boolean {
  const status = kubeStatus(error);
  if (status !== undefined) return status === 429 || status >= 500;
  const code = String(
    (error as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (error as { code?: unknown })?.code,
  );
  return NETWORK_CODES.includes(code);
}

/** One Kubernetes API call with backoff; what is still failing after that becomes a named error. */
export async function kubeCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await withRetry(fn, { isRetryable: isKubeRetryable });
  } catch (error) {
    if (!isKubeRetryable(error)) throw error;
    const message = `${what} failed: ${(error as Error).message}`;
    throw kubeStatus(error) === 429
      ? new ThrottledError(message, { cause: error })
      : new TransientError(message, { cause: error });
  }
}
