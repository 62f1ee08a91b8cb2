import http from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startHttpServer } from '../../../local/http-server';

/** The local stand-in for API Gateway's HTTP API: requests become payload-v2 events. */
describe('local HTTP server', () => {
  const seen: APIGatewayProxyEventV2[] = [];
  let server: Awaited<ReturnType<typeof startHttpServer>>;

  beforeAll(async () => {
    const echo = async (event: APIGatewayProxyEventV2) => {
      seen.push(event);
      return { statusCode: 200, body: JSON.stringify({ routeKey: event.routeKey }) };
    };
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: [
        { routeKey: 'GET /rollouts/{id}', handler: echo },
        { routeKey: 'POST /rollouts/{id}/promote', handler: echo },
        { routeKey: 'GET /rollouts', handler: echo },
      ],
      localEndpoints: { 'POST /_local/events': async (body) => ({ statusCode: 200, body: { got: body } }) },
    });
  });
  afterAll(async () => server.close());
  beforeEach(() => (seen.length = 0));

  it('matches the route template and fills path parameters, query, headers and body', async () => {
    // Act
    const response = await fetch(`${server.url}/rollouts/abc%2D1/promote?dry=1`, {
      method: 'POST',
      body: '{"full":true}',
      headers: { 'x-test': 'yes' },
    });
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ routeKey: 'POST /rollouts/{id}/promote' });
    const [event] = seen;
    expect(event?.version).toBe('2.0');
    expect(event?.pathParameters).toEqual({ id: 'abc-1' });
    expect(event?.queryStringParameters).toEqual({ dry: '1' });
    expect(event?.headers['x-test']).toBe('yes');
    expect(event?.body).toBe('{"full":true}');
    expect(event?.requestContext.http.method).toBe('POST');
    expect(event?.requestContext.routeKey).toBe('POST /rollouts/{id}/promote');
  });

  it('a route without parameters gets none, and no body means undefined', async () => {
    await fetch(`${server.url}/rollouts`);
    expect(seen[0]?.pathParameters).toBeUndefined();
    expect(seen[0]?.body).toBeUndefined();
  });

  it.each([
    ['GET', '/nothing-here', 404, 'NotFound'],
    ['DELETE', '/rollouts/x', 405, 'MethodNotAllowed'],
  ])('%s %s → %i in the API error format', async (method, path, status, code) => {
    const response = await fetch(server.url + path, { method });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(seen).toHaveLength(0);
  });

  it('local endpoints take JSON and refuse anything else with 400 naming the body', async () => {
    const ok = await fetch(`${server.url}/_local/events`, { method: 'POST', body: '{"source":"x"}' });
    expect(await ok.json()).toEqual({ got: { source: 'x' } });
    const bad = await fetch(`${server.url}/_local/events`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { details: unknown } }).error.details).toEqual([
      { field: 'body', reason: 'is not valid JSON' },
    ]);
  });

  it('a body over the limit is a 413 before it is read whole, and no handler runs', async () => {
    // Prepare: a small limit, and a body streamed without a declared length
    const small = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1024,
      routes: [
        {
          routeKey: 'POST /rollouts',
          handler: async (e) => {
            seen.push(e);
            return { statusCode: 200 };
          },
        },
      ],
    });
    const { port } = new URL(small.url);

    // Act: the first chunk is over the limit; the request is never ended, so only an early answer can come
    const streamed = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/rollouts' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(2048, 'a'));
    });
    const declared = await fetch(`${small.url}/rollouts`, { method: 'POST', body: 'b'.repeat(4096) }).catch(
      (e: unknown) => e,
    );
    const fits = await fetch(`${small.url}/rollouts`, { method: 'POST', body: '{}' });
    await small.close();

    // Assess
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.details).toEqual([{ field: 'body', reason: expect.any(String) }]);
    if (declared instanceof Response) expect(declared.status).toBe(413);
    expect(fits.status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});
