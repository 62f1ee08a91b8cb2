import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type SigningParams, signedHeaders } from '../cli/http/sigv4';
import { ensureUiBundle, UI_FILES } from './build';

/**
 * Serves the dashboard under /ui/ and proxies its API calls under /ui/api/, signing each with SigV4 as the user.
 * The proxy acts with the user's credentials, so it must never act for anyone else:
 * - it listens on 127.0.0.1 only (the caller binds it), and answers only requests whose Host is that address
 *   (a DNS-rebinding page from another origin names its own host);
 * - each proxied call carries the session token of the URL it printed, in a header: another local origin can
 *   neither read the token nor send that header without a CORS preflight, which is never granted.
 */
export const UI_PREFIX = '/ui/';
export const UI_API_PREFIX = '/ui/api/';
export const SESSION_HEADER = 'x-eksflow-session';
/** Only the API's own routes go through the proxy (not the sandbox's `/_local/*`). */
const PROXIED_PATH = /^\/(rollouts|clusters|operations|health)(\/|$|\?)/;
/** Headers of the browser's request the API reads; nothing else (cookies, origin) is passed on. */
const FORWARDED_HEADERS = ['content-type', 'idempotency-key'];
/** A proxied body larger than the API takes (64 KiB) is refused here already. */
const MAX_BODY_BYTES = 64 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export type Forwarder = (request: {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}) => Promise<{ status: number; body: string }>;

/** A random token for one dashboard session (192 bits, URL-safe). */
export const newSessionToken = () => randomBytes(24).toString('base64url');

/** Forwards to the API at `apiUrl`, signed with the given credentials (the CLI's, or the sandbox admin's). */
export function signingForwarder(apiUrl: string, signing: SigningParams): Forwarder {
  return async ({ method, path: target, headers, body }) => {
    const url = apiUrl + target;
    const signed = await signedHeaders(url, { method, headers, body }, signing);
    const response = await fetch(url, { method, headers: signed, body });
    return { status: response.status, body: await response.text() };
  };
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendJson(res: http.ServerResponse, status: number, code: string, message: string, field: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message, details: [{ field, reason: message }] } }));
}

/** A request handler for /ui/…; answers false for any other path so the caller's own routes take it. */
export function uiHandler(options: {
  token: string;
  forward: Forwarder;
  bundleDir: string;
  /** Host header values this server answers to (`127.0.0.1:PORT`, `localhost:PORT`). */
  allowedHosts: () => string[];
}): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== '/ui' && !url.pathname.startsWith(UI_PREFIX)) return false;
    if (!options.allowedHosts().includes(req.headers.host ?? '')) {
      sendJson(res, 403, 'Forbidden', `host ${req.headers.host} is not this dashboard's address`, 'host');
      return true;
    }
    if (url.pathname.startsWith(UI_API_PREFIX)) {
      await proxy(req, res, url, options);
      return true;
    }
    if (req.method !== 'GET') {
      sendJson(res, 405, 'MethodNotAllowed', `no route ${req.method} ${url.pathname}`, 'method');
      return true;
    }
    const name =
      url.pathname === '/ui' || url.pathname === UI_PREFIX ? 'index.html' : url.pathname.slice(UI_PREFIX.length);
    if (!(UI_FILES as readonly string[]).includes(name)) {
      sendJson(res, 404, 'NotFound', `no file ${url.pathname}`, 'path');
      return true;
    }
    await ensureUiBundle(options.bundleDir);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      // Nothing but our own files: no inline script, no other origin (the bundle is self-contained).
      'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    res.end(readFileSync(path.join(options.bundleDir, name)));
    return true;
  };
}

async function proxy(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  options: { token: string; forward: Forwarder },
): Promise<void> {
  const given = req.headers[SESSION_HEADER];
  if (!sameToken(typeof given === 'string' ? given : undefined, options.token))
    return sendJson(res, 401, 'Unauthenticated', 'missing or wrong dashboard session token', SESSION_HEADER);
  const target = `/${url.pathname.slice(UI_API_PREFIX.length)}${url.search}`;
  if (!PROXIED_PATH.test(target))
    return sendJson(res, 404, 'NotFound', `the dashboard does not proxy ${target}`, 'path');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return sendJson(res, 413, 'PayloadTooLarge', 'body is larger than 64 KiB', 'body');
    chunks.push(chunk as Buffer);
  }
  const body = chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
  const headers = Object.fromEntries(
    FORWARDED_HEADERS.filter((h) => typeof req.headers[h] === 'string').map((h) => [h, req.headers[h] as string]),
  );
  const answer = await options.forward({ method: req.method ?? 'GET', path: target, headers, body });
  res.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(answer.body);
}

/** Host header values of a server on 127.0.0.1:port. */
export const loopbackHosts = (port: number) => [`127.0.0.1:${port}`, `localhost:${port}`];

/** `eksflow dashboard`: the UI and its signing proxy on 127.0.0.1 only. The URL carries the session token. */
export async function startDashboard(options: {
  apiUrl: string;
  signing: SigningParams;
  port: number;
  bundleDir?: string;
}): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const bundleDir = await ensureUiBundle(options.bundleDir);
  const token = newSessionToken();
  let port = options.port;
  const handle = uiHandler({
    token,
    forward: signingForwarder(options.apiUrl, options.signing),
    bundleDir,
    allowedHosts: () => loopbackHosts(port),
  });
  const server = http.createServer((req, res) => {
    handle(req, res)
      .then((handled) => {
        if (handled) return;
        res.writeHead(302, { location: UI_PREFIX });
        res.end();
      })
      .catch((error) => {
        if (!res.headersSent)
          sendJson(res, 502, 'BadGateway', `the API did not answer: ${error?.message ?? error}`, 'api');
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${UI_PREFIX}#session=${token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
