import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody, errorBodyOf, ValidationError } from '../shared/errors';

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface RouteBinding {
  /** API Gateway route key, e.g. `GET /operations/{id}`. */
  routeKey: string;
  handler: ApiHandler;
}

export type LocalEndpoint = (body: unknown) => Promise<{ statusCode: number; body: unknown }>;

interface CompiledRoute extends RouteBinding {
  method: string;
  pattern: RegExp;
  params: string[];
}

/** `/clusters/{name}` → a RegExp with one group per parameter; `{proxy+}` is greedy. */
function compile(binding: RouteBinding): CompiledRoute {
  const [method, template] = binding.routeKey.split(' ');
  const params: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1]);
      return param[2] ? '(.+)' : '([^/]+)';
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
   * The caller's principal ARN, put where API Gateway's IAM authorizer puts it
   * (`requestContext.authorizer.iam.userArn`); undefined leaves the request unauthenticated.
   */
  principalOf?: (req: http.IncomingMessage) => string | undefined;
}): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const routes = options.routes.map(compile);
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody('InternalError', String(error?.message ?? error))));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://local');
    const body = await readBody(req);
    const local = options.localEndpoints?.[`${req.method} ${url.pathname}`];
    if (local) {
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
      const pathParameters = Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(match[i + 1])]));
      const event = toEvent(req, url, route.routeKey, pathParameters, body);
      const principal = options.principalOf?.(req);
      if (principal !== undefined) withPrincipal(event, principal);
      return send(res, await route.handler(event));
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

function toEvent(
  req: http.IncomingMessage,
  url: URL,
  routeKey: string,
  pathParameters: Record<string, string>,
  body: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers))
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
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

/** The fields of API Gateway's IAM authorizer context that the handlers read. */
function withPrincipal(event: APIGatewayProxyEventV2, userArn: string): void {
  const accountId = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(userArn)?.[1] ?? null;
  Object.assign(event.requestContext, {
    authorizer: { iam: { userArn, accountId, accessKey: null, callerId: null, principalOrgId: null, userId: null } },
  });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  res.writeHead(result.statusCode ?? 200, {
    'content-type': 'application/json',
    ...(result.headers as Record<string, string> | undefined),
  });
  res.end(result.body ?? '');
}
