import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../../../cli/http/api-client';

/** A server that answers 503 to the first `failures` requests, then 202; it records each request's key. */
async function flakyServer(failures: number) {
  const keys: (string | undefined)[] = [];
  let seen = 0;
  const server = http.createServer((req, res) => {
    keys.push(req.headers['idempotency-key'] as string | undefined);
    req.resume();
    req.on('end', () => {
      res.writeHead(++seen <= failures ? 503 : 202, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, keys, close: () => new Promise((r) => server.close(r)) };
}

describe('ApiClient: every mutating request carries an Idempotency-Key', () => {
  const client = (url: string) =>
    new ApiClient(
      { url, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } },
      async () => undefined,
    );

  it('a POST without one gets a UUID, the same on each of its retries; the next request gets another', async () => {
    // Prepare
    const server = await flakyServer(2);

    // Act
    await client(server.url).send({ method: 'POST', path: '/clusters/c/nodegroups/ng/scale', body: { delta: 1 } });
    await client(server.url).send({ method: 'POST', path: '/clusters/c/nodegroups/ng/scale', body: { delta: 1 } });
    await server.close();

    // Assess: three attempts of the first command share its key, the second command has its own
    expect(server.keys).toHaveLength(4);
    expect(server.keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(server.keys.slice(0, 3)).size).toBe(1);
    expect(server.keys[3]).not.toBe(server.keys[0]);
  });

  it("keeps the caller's own key, and sends none on a read", async () => {
    // Prepare
    const server = await flakyServer(0);

    // Act
    await client(server.url).send({
      method: 'POST',
      path: '/rollouts/r/promote',
      headers: { 'idempotency-key': 'mine' },
    });
    await client(server.url).send({ method: 'GET', path: '/rollouts?cluster=c' });
    await server.close();

    // Assess
    expect(server.keys).toEqual(['mine', undefined]);
  });
});
