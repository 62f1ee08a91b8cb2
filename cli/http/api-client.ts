import { randomUUID } from 'node:crypto';
import { isTransientNetworkError, withRetry } from '../../core/kernel/retry';
import type { Endpoint } from '../endpoint';
import { ApiError } from '../errors';
import { signedHeaders } from './sigv4';

/** Header that makes a POST safe to send again (the API remembers its answer for 24 h); only such POSTs are retried. */
const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Throttled, a 5xx, or a dropped connection: another attempt may succeed (a long --wait must not die of one). */
export function isRetryableApiError(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 429 || error.status >= 500;
  return isTransientNetworkError(error);
}

/** GET and DELETE ask for the same thing again; a POST only when it carries an idempotency key. */
const isSafeToRepeat = (request: ApiRequest) =>
  request.method === 'GET' || request.method === 'DELETE' || request.headers?.[IDEMPOTENCY_HEADER] !== undefined;

export interface ApiRequest {
  method: string;
  /** Path and query, e.g. `/rollouts?limit=5`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The HTTP API, signed with the endpoint's credentials; an error answer becomes an ApiError. */
export class ApiClient {
  constructor(
    readonly endpoint: Endpoint,
    private readonly sleep?: (ms: number) => Promise<void>,
  ) {}

  /**
   * One API call, retried with backoff (core/kernel/retry) when it is safe to repeat and the failure may pass. Every
   * mutating request carries an `Idempotency-Key` (the caller's, or a random UUID made here once): its retries
   * send the same key, so the API does the work at most once and answers a repeat with the first answer.
   */
  send<T = any>(request: ApiRequest): Promise<T> {
    const keyed = withIdempotencyKey(request);
    if (!isSafeToRepeat(keyed)) return this.sendOnce<T>(keyed);
    return withRetry(() => this.sendOnce<T>(keyed), { isRetryable: isRetryableApiError, sleep: this.sleep });
  }

  private async sendOnce<T>(request: ApiRequest): Promise<T> {
    const url = this.endpoint.url + request.path;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers = { ...request.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const signed = await signedHeaders(
      url,
      { method: request.method, headers, body },
      {
        credentials: this.endpoint.credentials,
        region: this.endpoint.region,
      },
    );
    const response = await fetch(url, { method: request.method, headers: signed, body });
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: [] } } | undefined)?.error;
      throw new ApiError(
        response.status,
        error?.code ?? `HTTP${response.status}`,
        error?.message ?? (text.slice(0, 200) || response.statusText),
        error?.details ?? [],
      );
    }
    return parsed as T;
  }
}

/** A POST or DELETE without a key gets one (a fresh UUID); a read needs none. */
export function withIdempotencyKey(request: ApiRequest): ApiRequest {
  if (request.method === 'GET' || request.headers?.[IDEMPOTENCY_HEADER] !== undefined) return request;
  return { ...request, headers: { ...request.headers, [IDEMPOTENCY_HEADER]: randomUUID() } };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
