import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { UI_BUNDLE_DIR } from '../../../ui/build';
import { type Forwarder, loopbackHosts, SESSION_HEADER, uiHandler } from '../../../ui/serve';

/** The dashboard's server side: who may use the signing proxy, and what it passes on. */
describe('dashboard proxy and static files', () => {
  const token = 'session-token-123';
  let server: http.Server;
  let base: string;
  let forwarded: Parameters<Forwarder>[0][];

  beforeAll(async () => {
    forwarded = [];
    let port = 0;
    const handle = uiHandler({
      token,
      bundleDir: UI_BUNDLE_DIR,
      allowedHosts: () => loopbackHosts(port),
      forward: async (request) => {
        forwarded.push(request);
        return { status: 200, body: JSON.stringify({ ok: true }) };
      },
    });
    server = http.createServer((req, res) => {
      void handle(req, res).then((handled) => {
        if (!handled) {
          res.writeHead(418);
          res.end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  }, 30000);
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    forwarded.length = 0;
  });

  it('forwards an API call with the token: method, path and query, body, and only the headers the API reads', async () => {
    // Act
    const response = await fetch(`${base}/ui/api/rollouts/r1/promote?x=1`, {
      method: 'POST',
      headers: { [SESSION_HEADER]: token, 'content-type': 'application/json', 'idempotency-key': 'k', cookie: 'a=b' },
      body: '{"full":true}',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(forwarded).toEqual([
      {
        method: 'POST',
        path: '/rollouts/r1/promote?x=1',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
        body: '{"full":true}',
      },
    ]);
  });

  it.each([
    ['no token', {}, 401, SESSION_HEADER],
    ['a wrong token', { [SESSION_HEADER]: 'session-token-124' }, 401, SESSION_HEADER],
    ['a shorter token', { [SESSION_HEADER]: 'session' }, 401, SESSION_HEADER],
  ])('refuses %s, forwarding nothing', async (_case, headers, status, field) => {
    // Act
    const response = await fetch(`${base}/ui/api/rollouts/r1/abort`, { method: 'POST', headers });

    // Assess
    expect(response.status).toBe(status);
    expect(((await response.json()) as any).error.details[0].field).toBe(field);
    expect(forwarded).toEqual([]);
  });

  it('proxies only the API routes, never the sandbox endpoints', async () => {
    const response = await fetch(`${base}/ui/api/_local/events`, {
      method: 'POST',
      headers: { [SESSION_HEADER]: token },
    });
    expect(response.status).toBe(404);
    expect(forwarded).toEqual([]);
  });

  it('serves the bundle files with a strict content security policy, nothing else under /ui/', async () => {
    // Act
    const index = await fetch(`${base}/ui/`);
    const script = await fetch(`${base}/ui/app.js`);
    const other = await fetch(`${base}/ui/${path.basename(__filename)}`);
    const traversal = await fetch(`${base}/ui/..%2Fbuild.ts`);
    const elsewhere = await fetch(`${base}/rollouts`);

    // Assess
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await index.text()).toContain('<div id="app">');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(other.status).toBe(404);
    expect(traversal.status).toBe(404);
    expect(elsewhere.status).toBe(418);
  });
});
