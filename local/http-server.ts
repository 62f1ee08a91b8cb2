import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody, errorBodyOf, ForbiddenError, isEksflowError, ValidationError } from '../core/kernel/errors';
import { MAX_REQUEST_BODY_BYTES } from '../functions/api/http';
import { SANDBOX_ADMIN } from './sandbox/identities';
import type { RequestVerifier, VerifiedCaller } from './sigv4-verifier';

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface RouteBinding {
  /** API Gateway route key, e.g. `GET /operations/{id}`. */
  routeKey: string;
  handler: ApiHandler;
  /** serverless.yml gives the route `authorizer: { type: aws_iam }`: callers must sign with SigV4. */
  iamAuthorized?: boolean;
}

/** Serves some paths itself (the dashboard's page and its signing proxy), outside the API's routes. */
export type PrefixHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export type LocalEndpoint = (body: unknown) => Promise<{ statusCode: number; body: unknown }>;

interface CompiledRoute extends RouteBinding {
  method: string;
  pattern: RegExp;
  params: string[];
}

/** `/clusters/{name}` → a RegExp with one group per parameter; `{proxy+}` is greedy. */
function compile(binding: RouteBinding): CompiledRoute {
  const [method = '', template = ''] = binding.routeKey.split(' ');
  const params: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const [, name = '', greedy] = param;
      params.push(name);
      return greedy ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { ...binding, method, pattern: new RegExp(`^${source}$`), params };
}

/**
 * The API Gateway HTTP API, locally: each request becomes a payload-v2 event for the handler that
 * serverless.yml binds to its route. `/_local/*` endpoints belong to the sandbox itself.
 */
export async function startHttpServer(options: {
  host: string;
  port: number;
  routes: RouteBinding[];
  localEndpoints?: Record<string, LocalEndpoint>;
  /**
   * Checks SigV4 on IAM-authorized routes and on the `/_local/*` endpoints (they can inject alarm events
   * that abort rollouts, so they are no more open than the API). Absent: nothing is checked.
   */
  verifier?: RequestVerifier;
  /** Asked first for every request (the dashboard under /ui/); answers true when it has answered the request. */
  prefixHandler?: PrefixHandler;
  /**
   * Who may call the `/_local/*` endpoints when a verifier checks callers: they inject events (which abort
   * rollouts) and move the schedules' clock, so they are the sandbox admin's alone. Default: the admin of `.sandbox/env`.
   */
  localAdmins?: string[];
  /** Largest body read (API Gateway's own limit is far larger; the API function refuses above this anyway). */
  maxBodyBytes?: number;
}): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const routes = options.routes.map(compile);
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody('InternalError', String(error?.message ?? error))));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    if (await options.prefixHandler?.(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://local');
    // Read before the signature is checked (it covers the body), so the limit applies before authentication:
    // an over-limit body is refused as it arrives, without being buffered whole.
    const rawBody = await readBody(req, options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES);
    if (rawBody === TOO_LARGE) return sendTooLarge(res, options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES);
    const body = rawBody.toString('utf8');
    const authenticate = async (): Promise<VerifiedCaller | undefined> =>
      options.verifier?.({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: headersOf(req),
        body: rawBody,
      });
    const local = options.localEndpoints?.[`${req.method} ${url.pathname}`];
    if (local) {
      const refused = await refusal(async () => {
        const caller = await authenticate();
        if (caller && !(options.localAdmins ?? [SANDBOX_ADMIN.principalArn]).includes(caller.principalArn))
          throw new ForbiddenError(
            `${caller.principalArn} may not call ${req.method} ${url.pathname}: the sandbox's own endpoints are its admin's`,
          );
      });
      if (refused) return send(res, refused);
      let parsed: unknown;
      try {
        parsed = body ? JSON.parse(body) : undefined;
      } catch {
        return send(res, {
          statusCode: 400,
          body: JSON.stringify(errorBodyOf(ValidationError.forField('body', 'is not valid JSON'))),
        });
      }
      const result = await local(parsed);
      return send(res, { statusCode: result.statusCode, body: JSON.stringify(result.body) });
    }
    for (const route of routes) {
      if (route.method !== req.method) continue;
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      let caller: VerifiedCaller | undefined;
      if (route.iamAuthorized) {
        const refused = await refusal(async () => {
          caller = await authenticate();
        });
        if (refused) return send(res, refused);
      }
      const pathParameters = Object.fromEntries(
        route.params.map((p, i) => [p, decodeURIComponent(match[i + 1] ?? '')]),
      );
      return send(res, await route.handler(toEvent(req, url, route.routeKey, pathParameters, body, caller)));
    }
    const known = routes.some((r) => r.pattern.test(url.pathname));
    send(res, {
      statusCode: known ? 405 : 404,
      body: JSON.stringify(
        errorBody(known ? 'MethodNotAllowed' : 'NotFound', `no route ${req.method} ${url.pathname}`),
      ),
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A refused signature as the 401 API Gateway would answer; undefined when the check passes. */
async function refusal(check: () => Promise<unknown>): Promise<APIGatewayProxyStructuredResultV2 | undefined> {
  try {
    await check();
    return undefined;
  } catch (error) {
    if (isEksflowError(error)) return { statusCode: error.status, body: JSON.stringify(errorBodyOf(error)) };
    throw error;
  }
}

function headersOf(req: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers))
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  return headers;
}

/** API Gateway's IAM authorizer context (payload v2) for a verified caller. */
function iamAuthorizer(caller: VerifiedCaller) {
  return {
    iam: {
      accessKey: caller.accessKeyId,
      accountId: caller.accountId,
      callerId: caller.accessKeyId,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: caller.principalArn,
      userId: caller.accessKeyId,
    },
  };
}

function toEvent(
  req: http.IncomingMessage,
  url: URL,
  routeKey: string,
  pathParameters: Record<string, string>,
  body: string,
  caller: VerifiedCaller | undefined,
): APIGatewayProxyEventV2 {
  const headers = headersOf(req);
  const query = url.searchParams.size ? Object.fromEntries(url.searchParams) : undefined;
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: query,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    body: body === '' ? undefined : body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(caller ? { authorizer: iamAuthorizer(caller) } : {}),
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
    },
  };
}

const TOO_LARGE = Symbol('too large');

/**
 * The body's bytes (the signature covers these, not a re-encoding of their text), at most `maxBytes` of them: a
 * declared Content-Length above it is refused before a byte is read, and a body that grows past it while streaming
 * stops being read at once (TOO_LARGE).
 */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | typeof TOO_LARGE> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** 413, as API Gateway answers a payload above its limit; the connection closes (the rest of the body is not read). */
function sendTooLarge(res: http.ServerResponse, maxBytes: number) {
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(
    JSON.stringify(
      errorBody('PayloadTooLarge', `body: requests are limited to ${maxBytes} bytes`, [
        { field: 'body', reason: `is larger than ${maxBytes} bytes` },
      ]),
    ),
  );
}

function send(res: http.ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  res.writeHead(result.statusCode ?? 200, {
    'content-type': 'application/json',
    ...(result.headers as Record<string, string> | undefined),
  });
  res.end(result.body ?? '');
}
