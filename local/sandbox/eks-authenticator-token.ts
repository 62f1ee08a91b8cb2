import {
  accessEntryPrincipalOf,
  arnFromCallerIdentity as arnIn,
  CLUSTER_ID_HEADER,
  TOKEN_LIFETIME_MS,
} from '../../core/adapters/aws/eks-token';

/**
 * The pure half of the sandbox's EKS authenticator (eks-authenticator.ts): what aws-iam-authenticator checks in
 * a token before it sends it to STS (pkg/token/token.go, `Verify`), how it names the caller from STS's answer,
 * and how EKS fills an access entry's username template.
 */

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
export { CLUSTER_ID_HEADER };
/** aws-iam-authenticator refuses a presigned URL that says it lives longer than this (aws eks get-token sends 60). */
export const MAX_PRESIGN_EXPIRES_SECONDS = 60;
/** A token longer than this is refused before decoding (aws-iam-authenticator's maxTokenLenBytes). */
const MAX_TOKEN_LENGTH = 1024 * 4;
/** How far in the future X-Amz-Date may lie (clock skew between the signer and the cluster). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** The only query parameters a GetCallerIdentity presigned URL may carry (lower-cased, as the authenticator compares). */
const ALLOWED_PARAMETERS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);

/** A token refused before or after STS saw it; the reason goes to the API server's log, never to the caller. */
export class TokenRefused extends Error {
  override readonly name = 'TokenRefused';
}

export interface CheckedToken {
  /** The presigned GetCallerIdentity URL, to be sent (with the cluster header) to the AWS endpoint. */
  url: URL;
  accessKeyId: string;
}

/**
 * Checks an EKS bearer token's shape for `cluster`: prefix, base64url, a presigned STS GetCallerIdentity on the
 * expected AWS endpoint, the cluster header among the signed headers, a short X-Amz-Expires, not expired. The
 * signature itself (and so the header's value) is the AWS endpoint's to check, as STS checks it for EKS.
 */
/** Hosts the sandbox's AWS endpoint, and what stands in front of it, listen on. */
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function checkEksToken(token: string, expected: { awsEndpoint: string; now: Date }): CheckedToken {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) throw new TokenRefused(`token does not start with ${EKS_TOKEN_PREFIX}`);
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenRefused('token is too long');
  const encoded = token.slice(EKS_TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new TokenRefused('token is not base64url');
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new TokenRefused('token is not a URL');
  }
  const endpoint = new URL(expected.awsEndpoint);
  // The sandbox's AWS endpoint, or another loopback address standing in front of it for eksflow (a test's fault
  // proxy): the list of STS hosts aws-iam-authenticator accepts, for a sandbox where AWS is on 127.0.0.1.
  const onLoopback = LOOPBACK_HOSTNAMES.has(url.hostname) && url.protocol === endpoint.protocol;
  if (!onLoopback && (url.protocol !== endpoint.protocol || url.host !== endpoint.host))
    throw new TokenRefused(`token's host ${url.host} is not the AWS endpoint ${endpoint.host}`);
  if (url.pathname !== '/') throw new TokenRefused(`token's path ${url.pathname} is not /`);
  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    if (!ALLOWED_PARAMETERS.has(lower)) throw new TokenRefused(`token's URL has a parameter ${key} it may not have`);
    if (query.has(lower)) throw new TokenRefused(`token's URL repeats ${key}`);
    query.set(lower, value);
  }
  if (query.get('action') !== 'GetCallerIdentity') throw new TokenRefused('token is not an STS GetCallerIdentity');
  const credential = (query.get('x-amz-credential') ?? '').split('/');
  const [accessKeyId] = credential;
  if (!accessKeyId || credential.length !== 5 || credential[3] !== 'sts' || credential[4] !== 'aws4_request')
    throw new TokenRefused('token is not signed for STS (X-Amz-Credential)');
  const signedHeaders = (query.get('x-amz-signedheaders') ?? '').split(';');
  if (!signedHeaders.includes(CLUSTER_ID_HEADER))
    throw new TokenRefused(`token's signature does not cover ${CLUSTER_ID_HEADER}`);
  const expires = Number(query.get('x-amz-expires'));
  if (!Number.isInteger(expires) || expires <= 0 || expires > MAX_PRESIGN_EXPIRES_SECONDS)
    throw new TokenRefused(`token's X-Amz-Expires must be 1..${MAX_PRESIGN_EXPIRES_SECONDS} seconds`);
  const signedAt = parseAmzDate(query.get('x-amz-date') ?? '');
  const now = expected.now.getTime();
  if (signedAt > now + MAX_CLOCK_SKEW_MS) throw new TokenRefused('token is signed in the future (X-Amz-Date)');
  // As aws-iam-authenticator: a token is good for 15 minutes from X-Amz-Date, whatever X-Amz-Expires says.
  if (now > signedAt + TOKEN_LIFETIME_MS) throw new TokenRefused('token has expired (X-Amz-Date)');
  return { url, accessKeyId };
}

/** `20260102T030405Z` → epoch milliseconds. */
function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new TokenRefused('token has no valid X-Amz-Date');
  const [, year, month, day, hour, minute, second] = m.map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

export interface Caller {
  /** The ARN STS answered with (an assumed-role session, or a user). */
  arn: string;
  /** The principal an access entry names: the role of an assumed-role session, or the user. */
  principalArn: string;
  accountId: string;
  sessionName?: string;
}

/**
 * Names the caller as EKS does: an assumed-role session `arn:aws:sts::A:assumed-role/R/S` is the role
 * `arn:aws:iam::A:role/R` (its access entry's principal); a user is itself. Anything else has no access entry.
 */
export function callerOf(arn: string): Caller {
  let principalArn: string;
  try {
    principalArn = accessEntryPrincipalOf(arn);
  } catch (error) {
    throw new TokenRefused((error as Error).message);
  }
  const [, , , , accountId = '', resource] = arn.split(':');
  const sessionName = /^assumed-role\/[^/]+\/(.+)$/.exec(resource ?? '')?.[1];
  return { arn, principalArn, accountId, ...(sessionName ? { sessionName } : {}) };
}

/**
 * The Kubernetes username of an access entry: its username with EKS's template variables filled in
 * (`{{SessionName}}` has `@` replaced by `-`, as EKS does; `{{SessionNameRaw}}` keeps it).
 */
export function usernameOf(template: string, caller: Caller, accessKeyId: string): string {
  return template
    .replaceAll('{{AccountID}}', caller.accountId)
    .replaceAll('{{AccessKeyID}}', accessKeyId)
    .replaceAll('{{SessionNameRaw}}', caller.sessionName ?? '')
    .replaceAll('{{SessionName}}', (caller.sessionName ?? '').replaceAll('@', '-'));
}

/** STS's GetCallerIdentity answer (XML or JSON) → the caller's ARN; an answer without one refuses the token. */
export function arnFromCallerIdentity(body: string): string {
  try {
    return arnIn(body);
  } catch (error) {
    throw new TokenRefused((error as Error).message);
  }
}
