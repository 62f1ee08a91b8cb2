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

  /**
   * The principal a cluster's access entry must name for these credentials: what the cluster's authenticator learns
   * by sending the token to STS (the same presigned GetCallerIdentity), an assumed-role session mapped to its role.
   * Asked only to name the principal in an error, so it is not cached.
   */
  async principalArn(clusterName: string): Promise<string> {
    const { token } = await this.getToken(clusterName);
    const url = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8');
    const response = await fetch(url, { headers: { [CLUSTER_ID_HEADER]: clusterName } });
    const body = await response.text();
    if (!response.ok) throw new Error(`STS GetCallerIdentity answered ${response.status}`);
    return accessEntryPrincipalOf(arnFromCallerIdentity(body));
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** The header whose signed value binds a token to one cluster (aws-iam-authenticator's clusterIDHeader). */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

/**
 * The principal of an access entry for a caller STS names: an assumed-role session `arn:aws:sts::A:assumed-role/R/S`
 * is its role `arn:aws:iam::A:role/R` (as EKS maps it); a user or role ARN is itself; anything else has none.
 */
export function accessEntryPrincipalOf(arn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (assumed) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  if (/^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/.+$/.test(arn)) return arn;
  throw new Error(`caller ${arn} is neither an IAM user nor an assumed role`);
}

/** The caller's ARN in STS's GetCallerIdentity answer: XML (the query protocol's default) or JSON. */
export function arnFromCallerIdentity(body: string): string {
  const xml = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
  if (xml) return xml;
  try {
    const json = JSON.parse(body) as {
      GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Arn?: string } };
      Arn?: string;
    };
    const arn = json.GetCallerIdentityResponse?.GetCallerIdentityResult?.Arn ?? json.Arn;
    if (arn) return arn;
  } catch {
    // not JSON either
  }
  throw new Error('GetCallerIdentity answered without an Arn');
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
    headers: { host: endpoint.host, [CLUSTER_ID_HEADER]: clusterName },
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
