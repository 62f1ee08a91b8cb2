import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startHttpServer } from '../../../local/http-server';
import { SANDBOX_ADMIN, SANDBOX_IDENTITIES, SANDBOX_RESTRICTED } from '../../../local/sandbox/identities';
import { MAX_SIGNATURE_AGE_MS, sigV4Verifier } from '../../../local/sigv4-verifier';
import { defined } from '../../helpers/defined';
import { type Signer, signedFetch } from '../../helpers/signed-fetch';

const REGION = 'eu-west-1';

/** The sandbox's stand-in for API Gateway's IAM authorization, exercised through the local HTTP server. */
describe('SigV4 verification on the local HTTP server', () => {
  const seen: APIGatewayProxyEventV2[] = [];
  const localEvents: unknown[] = [];
  let server: Awaited<ReturnType<typeof startHttpServer>>;

  beforeAll(async () => {
    const echo = async (event: APIGatewayProxyEventV2) => {
      seen.push(event);
      return { statusCode: 200, body: '{}' };
    };
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: [
        { routeKey: 'GET /health', handler: echo },
        { routeKey: 'GET /rollouts', handler: echo, iamAuthorized: true },
        { routeKey: 'POST /rollouts/{id}/promote', handler: echo, iamAuthorized: true },
      ],
      localEndpoints: {
        'POST /_local/events': async (body) => {
          localEvents.push(body);
          return { statusCode: 200, body: {} };
        },
      },
      verifier: sigV4Verifier({ region: REGION, identities: SANDBOX_IDENTITIES }),
    });
  });
  afterAll(async () => server.close());
  beforeEach(() => {
    seen.length = 0;
    localEvents.length = 0;
  });

  const call = (path: string, as: Signer, init: { method?: string; body?: string } = {}, signingDate?: Date) =>
    signedFetch(
      server.url + path,
      { ...init, headers: init.body ? { 'content-type': 'application/json' } : {} },
      { region: REGION, as, signingDate },
    );
  const iamOf = (event: APIGatewayProxyEventV2) =>
    (event.requestContext as unknown as { authorizer?: { iam: Record<string, unknown> } }).authorizer?.iam;

  it('passes a signed request with a query and a body, and tells the handler who signed it', async () => {
    // Act
    const response = await call('/rollouts/r-1/promote?dry=1&b=x%20y', 'admin', {
      method: 'POST',
      body: '{"full":true}',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(iamOf(defined(seen[0], 'seen[0]'))).toMatchObject({
      userArn: SANDBOX_ADMIN.principalArn,
      accessKey: SANDBOX_ADMIN.accessKeyId,
      accountId: '000000000000',
    });
  });

  it('passes a request signed without x-amz-content-sha256, as curl --aws-sigv4 signs it', async () => {
    // Act
    const response = await signedFetch(
      `${server.url}/rollouts/r-1/promote?b=2&a=1`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      { region: REGION, contentSha256Header: false },
    );

    // Assess
    expect(response.status).toBe(200);
    expect(seen[0]?.headers['x-amz-content-sha256']).toBeUndefined();
  });

  it('knows the restricted identity as itself', async () => {
    // Act
    const response = await call('/rollouts', 'restricted');

    // Assess
    expect(response.status).toBe(200);
    expect(iamOf(defined(seen[0], 'seen[0]'))?.userArn).toBe(SANDBOX_RESTRICTED.principalArn);
  });

  it.each<[string, Signer, Date | undefined, string]>([
    ['unsigned', 'unsigned', undefined, 'authorization'],
    ['signed with a wrong secret', { ...SANDBOX_ADMIN, secretAccessKey: 'wrong' }, undefined, 'authorization'],
    ['signed with an unknown key', { ...SANDBOX_ADMIN, accessKeyId: 'nobody' }, undefined, 'authorization'],
    ['signed 6 minutes ago', 'admin', new Date(Date.now() - MAX_SIGNATURE_AGE_MS - 60_000), 'x-amz-date'],
  ])('refuses a request %s with 401 naming %s, before the handler runs', async (_case, as, signingDate, field) => {
    // Act
    const response = await call('/rollouts', as, {}, signingDate);

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: 'Unauthenticated', message: expect.any(String), details: [{ field, reason: expect.any(String) }] },
    });
    expect(seen).toHaveLength(0);
  });

  it('refuses a signature for another region', async () => {
    // Act
    const response = await signedFetch(`${server.url}/rollouts`, {}, { region: 'us-east-1', as: 'admin' });

    // Assess
    expect(response.status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('refuses a signed request whose body was changed on the way', async () => {
    // Prepare: sign one body, send another under the same headers
    let captured: Record<string, string> = {};
    const realFetch = global.fetch;
    const spy = jest.spyOn(global, 'fetch').mockImplementationOnce(async (_url, init) => {
      captured = init?.headers as Record<string, string>;
      return new Response('{}');
    });
    await call('/rollouts/r-1/promote', 'admin', { method: 'POST', body: '{"full":false}' });
    spy.mockRestore();

    // Act
    const response = await realFetch(`${server.url}/rollouts/r-1/promote`, {
      method: 'POST',
      headers: captured,
      body: '{"full":true}',
    });

    // Assess
    expect(response.status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('lets GET /health through unsigned', async () => {
    // Act
    const response = await call('/health', 'unsigned');

    // Assess
    expect(response.status).toBe(200);
    expect(iamOf(defined(seen[0], 'seen[0]'))).toBeUndefined();
  });

  it('checks the sandbox endpoints too: an unsigned alarm event is refused, a signed one delivered', async () => {
    // Act
    const unsigned = await call('/_local/events', 'unsigned', { method: 'POST', body: '{"source":"x"}' });
    const signed = await call('/_local/events', 'admin', { method: 'POST', body: '{"source":"x"}' });

    // Assess
    expect(unsigned.status).toBe(401);
    expect(signed.status).toBe(200);
    expect(localEvents).toEqual([{ source: 'x' }]);
  });

  it("the sandbox endpoints are the admin's: the restricted identity gets 403 and the event is not delivered", async () => {
    // Act
    const response = await call('/_local/events', 'restricted', { method: 'POST', body: '{"source":"x"}' });

    // Assess
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('Forbidden');
    expect(localEvents).toEqual([]);
  });

  it('answers an unknown key exactly as a wrong secret: nothing tells which key ids exist', async () => {
    // Act
    const unknown = await call('/rollouts', { ...SANDBOX_ADMIN, accessKeyId: 'AKIAEXAMPLEPROBE' });
    const wrongSecret = await call('/rollouts', { ...SANDBOX_ADMIN, secretAccessKey: 'wrong' });
    const unknownOtherRegion = await signedFetch(
      `${server.url}/rollouts`,
      {},
      { region: 'us-east-1', as: { ...SANDBOX_ADMIN, accessKeyId: 'AKIAEXAMPLEPROBE' } },
    );
    const knownOtherRegion = await signedFetch(`${server.url}/rollouts`, {}, { region: 'us-east-1', as: 'admin' });

    // Assess
    const [a, b] = [await unknown.text(), await wrongSecret.text()];
    expect([unknown.status, wrongSecret.status]).toEqual([401, 401]);
    expect(a).toBe(b);
    expect(a).not.toContain('AKIAEXAMPLEPROBE');
    expect(await unknownOtherRegion.text()).toBe(await knownOtherRegion.text());
  });

  it('refuses an unknown key as unknown-key for the AWS gate, without saying so in the error', async () => {
    // Prepare
    const verify = sigV4Verifier({ region: REGION, identities: SANDBOX_IDENTITIES });
    const { refusalKind } = await import('../../../local/sigv4-verifier');
    let sent: { headers: Record<string, string> } = { headers: {} };
    const spy = jest.spyOn(global, 'fetch').mockImplementationOnce(async (_url, init) => {
      sent = { headers: init?.headers as Record<string, string> };
      return new Response('{}');
    });
    await call('/rollouts', { ...SANDBOX_ADMIN, accessKeyId: 'nobody' });
    spy.mockRestore();

    // Act
    const error = await verify({
      method: 'GET',
      path: '/rollouts',
      query: new URLSearchParams(),
      headers: {
        host: new URL(server.url).host,
        ...Object.fromEntries(Object.entries(sent.headers).map(([k, v]) => [k.toLowerCase(), v])),
      },
      body: Buffer.alloc(0),
    }).catch((e: unknown) => e);

    // Assess
    expect(refusalKind(error)).toBe('unknown-key');
    expect(JSON.stringify((error as { details: unknown }).details)).not.toContain('nobody');
  });
});
