import { ApiError } from '../errors';
import type { Endpoint } from '../endpoint';
import { signedHeaders } from './sigv4';

export interface ApiRequest {
  method: string;
  /** Path and query, e.g. `/rollouts?limit=5`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The HTTP API, signed with the endpoint's credentials; an error answer becomes an ApiError. */
export class ApiClient {
  constructor(readonly endpoint: Endpoint) {}

  async send<T = any>(request: ApiRequest): Promise<T> {
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

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
