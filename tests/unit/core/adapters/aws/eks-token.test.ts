import { createHash, createHmac } from 'node:crypto';
import { EksTokenProvider, presignEksToken, TOKEN_LIFETIME_MS } from '../../../../../core/adapters/aws/eks-token';
import { defined } from '../../../../helpers/defined';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const region = 'us-east-1';
const signingDate = new Date('2026-01-02T03:04:05Z');
const host = 'sts.us-east-1.amazonaws.com';
/** SHA-256 of an empty body: what aws-sdk-go (the SDK aws-iam-authenticator signs with) uses for an STS presign. */
const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeToken(token: string): URL {
  const body = token.slice('k8s-aws-v1.'.length);
  return new URL(Buffer.from(body, 'base64url').toString('utf8'));
}

/** SigV4 recomputed by hand from the URL's own parameters, independent of @smithy/signature-v4. */
function expectedSignature(url: URL, cluster: string, secret: string, payloadHash: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature');
  const canonicalQuery = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = `host:${url.host}\nx-k8s-aws-id:${cluster}\n`;
  const canonicalRequest = ['GET', '/', canonicalQuery, canonicalHeaders, 'host;x-k8s-aws-id', payloadHash].join('\n');
  const amzDate = defined(url.searchParams.get('X-Amz-Date'), "url.searchParams.get('X-Amz-Date')");
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/sts/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const kDate = hmac(`AWS4${secret}`, day);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, 'sts');
  const kSigning = hmac(kService, 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

describe('presignEksToken', () => {
  it('presigns for the configured AWS endpoint (the sandbox), its host and port signed', async () => {
    // Prepare
    const endpoint = 'http://127.0.0.1:4566';

    // Act
    const { token } = await presignEksToken('prod-eu', region, credentials, signingDate, { endpoint });

    // Assess
    const url = decodeToken(token);
    expect(url.origin).toBe(endpoint);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      expectedSignature(url, 'prod-eu', credentials.secretAccessKey, EMPTY_BODY_SHA256),
    );
  });

  it('makes a k8s-aws-v1 token: base64url without padding of a presigned STS GetCallerIdentity URL', async () => {
    // Prepare
    const cluster = 'prod-eu';

    // Act
    const { token } = await presignEksToken(cluster, region, credentials, signingDate);

    // Assess
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    const body = token.slice('k8s-aws-v1.'.length);
    expect(body).toMatch(/^[A-Za-z0-9_-]+$/); // no '+', '/', or '=' padding
    const url = decodeToken(token);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(`https://${host}/`);
    expect(Buffer.from(body, 'base64url').toString('utf8').startsWith(`https://${host}/?`)).toBe(true);
    expect(Object.fromEntries([...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature'))).toEqual({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20260102/us-east-1/sts/aws4_request',
      'X-Amz-Date': '20260102T030405Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    });
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(['prod-eu', 'sandbox', 'team_a-cluster-01'])(
    'signs the x-k8s-aws-id header for cluster %s (SigV4 recomputed by hand)',
    async (cluster) => {
      // Prepare / Act
      const { token } = await presignEksToken(cluster, region, credentials, signingDate);

      // Assess
      const url = decodeToken(token);
      const signature = url.searchParams.get('X-Amz-Signature');
      expect(signature).toBe(expectedSignature(url, cluster, credentials.secretAccessKey, EMPTY_BODY_SHA256));
      // The signature binds the cluster: the same URL would not verify for another cluster name.
      expect(signature).not.toBe(
        expectedSignature(url, `${cluster}-other`, credentials.secretAccessKey, EMPTY_BODY_SHA256),
      );
    },
  );

  it('gives a different signature for a different cluster name, everything else equal', async () => {
    // Prepare / Act
    const a = decodeToken((await presignEksToken('cluster-a', region, credentials, signingDate)).token);
    const b = decodeToken((await presignEksToken('cluster-b', region, credentials, signingDate)).token);

    // Assess
    expect(a.searchParams.get('X-Amz-Date')).toBe(b.searchParams.get('X-Amz-Date'));
    expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
  });

  it('is deterministic for a fixed clock and keys', async () => {
    // Prepare / Act
    const first = await presignEksToken('prod-eu', region, credentials, signingDate);
    const second = await presignEksToken('prod-eu', region, credentials, signingDate);

    // Assess
    expect(second.token).toBe(first.token);
  });

  it('adds X-Amz-Security-Token for session credentials and signs it', async () => {
    // Prepare
    const sessionToken = 'FwoGZXIvYXdzEBYaDH+example/session==token';
    const withSession = { ...credentials, sessionToken };

    // Act
    const { token } = await presignEksToken('prod-eu', region, withSession, signingDate);

    // Assess
    const url = decodeToken(token);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(sessionToken);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      expectedSignature(url, 'prod-eu', credentials.secretAccessKey, EMPTY_BODY_SHA256),
    );
  });

  it('leaves X-Amz-Security-Token out for long-term keys', async () => {
    // Act
    const url = decodeToken((await presignEksToken('prod-eu', region, credentials, signingDate)).token);

    // Assess
    expect(url.searchParams.has('X-Amz-Security-Token')).toBe(false);
  });

  it('accepts a credentials provider function', async () => {
    // Prepare
    const provider = jest.fn(async () => credentials);

    // Act
    const viaProvider = await presignEksToken('prod-eu', region, provider, signingDate);
    const direct = await presignEksToken('prod-eu', region, credentials, signingDate);

    // Assess
    expect(provider).toHaveBeenCalled();
    expect(viaProvider.token).toBe(direct.token);
  });

  it('expires 15 minutes after the signing time', async () => {
    // Act
    const { expiresAt } = await presignEksToken('prod-eu', region, credentials, signingDate);

    // Assess
    expect(TOKEN_LIFETIME_MS).toBe(900_000);
    expect(expiresAt.toISOString()).toBe('2026-01-02T03:19:05.000Z');
  });
});

describe('EksTokenProvider', () => {
  const t0 = signingDate.getTime();

  function providerAt(clock: { ms: number }) {
    return new EksTokenProvider({ region, credentials, now: () => new Date(clock.ms) });
  }

  it.each([
    // elapsed since the first token → same token again?
    { elapsedMs: 0, reused: true },
    { elapsedMs: 60_000, reused: true }, // 1 min later
    { elapsedMs: 13 * 60_000, reused: true }, // 13:00, 2 min before expiry
    { elapsedMs: 13 * 60_000 + 59_999, reused: true }, // 60.001 s before expiry
    { elapsedMs: 14 * 60_000, reused: false }, // exactly 60 s before expiry: renew
    { elapsedMs: 14 * 60_000 + 30_000, reused: false }, // 30 s before expiry
    { elapsedMs: 16 * 60_000, reused: false }, // already expired
  ])('after $elapsedMs ms the cached token is reused: $reused', async ({ elapsedMs, reused }) => {
    // Prepare
    const clock = { ms: t0 };
    const provider = providerAt(clock);
    const first = await provider.getToken('prod-eu');

    // Act
    clock.ms = t0 + elapsedMs;
    const second = await provider.getToken('prod-eu');

    // Assess
    if (reused) {
      expect(second).toEqual(first);
    } else {
      expect(second.token).not.toBe(first.token);
      expect(second.expiresAt.getTime()).toBe(t0 + elapsedMs + TOKEN_LIFETIME_MS);
    }
  });

  it('sets expiresAt to the signing time plus 15 minutes', async () => {
    // Prepare
    const provider = providerAt({ ms: t0 });

    // Act
    const { expiresAt, token } = await provider.getToken('prod-eu');

    // Assess
    expect(expiresAt.getTime()).toBe(t0 + 15 * 60_000);
    expect(decodeToken(token).searchParams.get('X-Amz-Date')).toBe('20260102T030405Z');
  });

  it('caches per cluster', async () => {
    // Prepare
    const provider = providerAt({ ms: t0 });

    // Act
    const a = await provider.getToken('cluster-a');
    const b = await provider.getToken('cluster-b');
    const aAgain = await provider.getToken('cluster-a');

    // Assess
    expect(b.token).not.toBe(a.token);
    expect(aAgain.token).toBe(a.token);
  });
});
