/// <reference lib="dom" />
/**
 * The dashboard's calls to the eksflow API go through the server that served the page (`eksflow dashboard`, or
 * `npm start` at /ui/): it checks the session token and signs them with SigV4. The token arrives in the URL's
 * fragment (never sent to a server, never in a Referer) and is kept for this tab only.
 */
const SESSION_KEY = 'eksflow-session';
export const SESSION_HEADER = 'x-eksflow-session';

function sessionToken(): string {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('session');
  if (fromUrl) {
    sessionStorage.setItem(SESSION_KEY, fromUrl);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(SESSION_KEY) ?? '';
}

const token = sessionToken();

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`api${path}`, {
    method,
    headers: { [SESSION_HEADER]: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = parsed?.error;
    const fields = (error?.details ?? []).map((d: { field: string; reason: string }) => ` ${d.field}: ${d.reason}`);
    throw new ApiFailure(response.status, `${error?.message ?? response.statusText}${fields.join(';')}`);
  }
  return parsed as T;
}
