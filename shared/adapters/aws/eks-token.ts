import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** How long EKS accepts a token after it was signed (aws-iam-authenticator checks X-Amz-Date). */
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** Renew this long before the end of the lifetime, so a token never expires in flight. */
const RENEW_MARGIN_MS = 60 * 1000;
const TOKEN_PREFIX = 'k8s-aws-v1.';

export interface EksToken {
  token: string;
  expiresAt: Date;
}

/**
 * Bearer tokens for an EKS cluster's Kubernetes API, made the way `aws eks get-token` makes them:
 * a presigned STS GetCallerIdentity URL whose signature covers the `x-k8s-aws-id: <cluster>` header,
 * base64url-encoded without padding behind `k8s-aws-v1.`. Cached per cluster until shortly before expiry.
 */
export class EksTokenProvider {
  private readonly cache = new Map<string, EksToken>();

  constructor(
    private readonly options: {
      region: string;
      credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
      /** The AWS endpoint STS is reached at (the sandbox's); unset: STS's regional endpoint, as in AWS. */
      endpoint?: string;
      now?: () => Date;
    },
  ) {}

  async getToken(clusterName: string): Promise<EksToken> {
    const now = this.now();
    const cached = this.cache.get(clusterName);
    if (cached && cached.expiresAt.getTime() - RENEW_MARGIN_MS > now.getTime()) return cached;
    const fresh = await presignEksToken(clusterName, this.options.region, this.options.credentials, now, {
      endpoint: this.options.endpoint,
    });
    this.cache.set(clusterName, fresh);
    return fresh;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

export async function presignEksToken(
  clusterName: string,
  region: string,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
  signingDate: Date,
  options: { endpoint?: string; expiresInSeconds?: number } = {},
): Promise<EksToken> {
  // The cluster's authenticator sends the URL where it points and accepts only its own STS endpoint.
  const endpoint = new URL(options.endpoint ?? `https://sts.${region}.amazonaws.com`);
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256 });
  const request = new HttpRequest({
    method: 'GET',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: endpoint.host, 'x-k8s-aws-id': clusterName },
  });
  // X-Amz-Expires=60 is what aws-iam-authenticator sends; the server grants 15 minutes from X-Amz-Date.
  const signed = await signer.presign(request, { expiresIn: options.expiresInSeconds ?? 60, signingDate });
  const query = Object.entries(signed.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  const url = `${endpoint.protocol}//${endpoint.host}/?${query}`;
  return {
    token: TOKEN_PREFIX + Buffer.from(url).toString('base64url'),
    expiresAt: new Date(signingDate.getTime() + TOKEN_LIFETIME_MS),
  };
}
