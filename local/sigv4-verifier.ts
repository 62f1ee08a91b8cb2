import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { EXECUTE_API } from '../cli/http/sigv4';
import { UnauthenticatedError } from '../core/kernel/errors';

/**
 * What API Gateway's IAM authorization does, for the sandbox: recompute a request's SigV4 signature with
 * the secret of the access key it names, and say whose key it is. The signature is recomputed by the
 * same library the AWS SDK signs with, so a request the SDK or `curl --aws-sigv4` signs checks out here.
 */

/** A key pair the verifier knows, and the IAM principal it stands for. */
export interface SigningIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  principalArn: string;
}

/** The caller, as API Gateway's IAM authorizer reports it. */
export interface VerifiedCaller {
  principalArn: string;
  accessKeyId: string;
  accountId: string;
  /** The credential scope's service (`eks`, `sts`, …): the AWS gate tells services apart by it. */
  service: string;
  /** The signature came in the query string (a presigned URL, e.g. an EKS token), not the Authorization header. */
  presigned: boolean;
}

/** A request as it arrived: raw (still percent-encoded) path, decoded query, lower-case header names. */
export interface IncomingSignedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
}

export type RequestVerifier = (request: IncomingSignedRequest) => Promise<VerifiedCaller>;

/** API Gateway refuses a signature dated more than 5 minutes from its clock (replays, skewed clocks). */
export const MAX_SIGNATURE_AGE_MS = 5 * 60 * 1000;
export const EXECUTE_API_SERVICE = EXECUTE_API;

const AUTHORIZATION_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** Headers a signature must cover: without them it could be replayed against another host or time. */
const REQUIRED_SIGNED_HEADERS = ['host', 'x-amz-date'];
const CONTENT_SHA256_HEADER = 'x-amz-content-sha256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** What refused a request: AWS answers an unknown key and a wrong signature with different errors. */
export type RefusalKind = 'unknown-key' | 'bad-signature';

/**
 * The refusal's kind, for callers that answer in AWS's own error shapes (the AWS gate). It is kept on the error,
 * out of its message and details: the API's answer is the same for an unknown key and a wrong signature, so a
 * caller cannot find out which access key ids exist.
 */
export function refusalKind(error: unknown): RefusalKind {
  return (error as { [REFUSAL_KIND]?: RefusalKind })?.[REFUSAL_KIND] ?? 'bad-signature';
}

const REFUSAL_KIND = Symbol('refusalKind');
/** The one answer for a key the verifier does not know and for a signature that does not match (no key id in it). */
const BAD_CREDENTIALS = 'the signature does not match (unknown access key, wrong secret key, or an altered request)';
/** aws-iam-authenticator takes an EKS token (a presigned GetCallerIdentity) for 15 minutes after X-Amz-Date. */
const PRESIGNED_STS_LIFETIME_MS = 15 * 60 * 1000;

/** The signature's parts, from either the Authorization header or a presigned URL's query string. */
interface SignatureParts {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  /** Presigned: X-Amz-Expires in seconds. */
  expiresSeconds?: number;
}

export function sigV4Verifier(options: {
  region: string;
  /** The keys it knows; a function looks them up at each request (the AWS gate learns keys as runtimes start). */
  identities: SigningIdentity[] | ((accessKeyId: string) => SigningIdentity | undefined);
  /** The one service the signature must be scoped to; `'*'` takes any (the AWS gate stands for every service). */
  service?: string;
  now?: () => Date;
  /** Hosts a presigned STS URL may have been signed for besides the request's own (EKS tokens name STS's host). */
  presignedStsHosts?: string[];
}): RequestVerifier {
  const service = options.service ?? EXECUTE_API_SERVICE;
  const now = options.now ?? (() => new Date());
  const identities = options.identities;
  const lookup =
    typeof identities === 'function'
      ? identities
      : (key: string) => new Map(identities.map((i) => [i.accessKeyId, i])).get(key);

  return async (request) => {
    const parts = request.query.has('X-Amz-Signature')
      ? presignedParts(request)
      : headerParts(request, service === '*' ? 'any' : service);
    const { accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaders } = parts;
    // Everything that does not depend on the key is checked first, and the key is looked up last: no answer
    // differs between a key that exists and one that does not.
    if (scopeRegion !== options.region || (service !== '*' && scopeService !== service))
      throw refused(
        'authorization',
        `signed for ${scopeRegion}/${scopeService}; this API takes ${options.region}/${service === '*' ? 'any service' : service}`,
      );

    const signingDate = parseAmzDate(parts.amzDate);
    const age = now().getTime() - signingDate.getTime();
    if (parts.expiresSeconds === undefined) {
      if (Math.abs(age) > MAX_SIGNATURE_AGE_MS)
        throw refused('x-amz-date', `${parts.amzDate} is more than 5 minutes from the server's clock`);
    } else {
      const lifetime = Math.max(parts.expiresSeconds * 1000, scopeService === 'sts' ? PRESIGNED_STS_LIFETIME_MS : 0);
      if (age < -MAX_SIGNATURE_AGE_MS || age > lifetime) throw refused('X-Amz-Date', `the presigned URL has expired`);
    }
    if (parts.amzDate.slice(0, 8) !== scopeDate)
      throw refused('authorization', `credential scope date ${scopeDate} is not the date of x-amz-date`);

    const required = parts.expiresSeconds === undefined ? REQUIRED_SIGNED_HEADERS : ['host'];
    const unsigned = required.filter((h) => !signedHeaders.includes(h));
    if (unsigned.length) throw refused('authorization', `SignedHeaders must include ${unsigned.join(', ')}`);
    const missing = signedHeaders.filter((h) => request.headers[h] === undefined);
    if (missing.length)
      throw refused('authorization', `signed headers missing from the request: ${missing.join(', ')}`);
    if (parts.expiresSeconds === undefined) checkDeclaredPayloadHash(request);
    const identity = lookup(accessKeyId);
    if (!identity) throw Object.assign(refused('authorization', BAD_CREDENTIALS), { [REFUSAL_KIND]: 'unknown-key' });

    // An EKS token is a presigned URL for STS's host that the authenticator may send to the sandbox's endpoint.
    const { host: signedHost } = request.headers;
    const hosts = [
      ...(signedHost === undefined ? [] : [signedHost]),
      ...(parts.expiresSeconds !== undefined && scopeService === 'sts' ? (options.presignedStsHosts ?? []) : []),
    ];
    for (const host of hosts) {
      const expected = await signatureOf(
        { ...request, headers: { ...request.headers, host } },
        parts,
        identity,
        signingDate,
      );
      if (sameSignature(expected, parts.signature))
        return {
          principalArn: identity.principalArn,
          accessKeyId,
          accountId: accountOf(identity.principalArn),
          service: scopeService,
          presigned: parts.expiresSeconds !== undefined,
        };
    }
    throw refused('authorization', BAD_CREDENTIALS);
  };
}

function headerParts(request: IncomingSignedRequest, service: string): SignatureParts {
  const authorization = request.headers.authorization;
  if (!authorization) throw refused('authorization', `missing: sign the request with AWS SigV4 (service ${service})`);
  const parsed = AUTHORIZATION_PATTERN.exec(authorization);
  if (!parsed)
    throw refused('authorization', 'is not an AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=… header');
  const [
    ,
    accessKeyId = '',
    scopeDate = '',
    scopeRegion = '',
    scopeService = '',
    signedHeaderList = '',
    signature = '',
  ] = parsed;
  const amzDate = request.headers['x-amz-date'];
  if (amzDate === undefined) throw refused('x-amz-date', 'missing or not in the form YYYYMMDDTHHMMSSZ');
  return {
    accessKeyId,
    scopeDate,
    scopeRegion,
    scopeService,
    signedHeaders: signedHeaderList.split(';'),
    signature,
    amzDate,
  };
}

/** `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…&X-Amz-Date=…&X-Amz-Expires=…&X-Amz-SignedHeaders=…&X-Amz-Signature=…` */
function presignedParts(request: IncomingSignedRequest): SignatureParts {
  const q = request.query;
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw refused('X-Amz-Algorithm', 'must be AWS4-HMAC-SHA256');
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(q.get('X-Amz-Credential') ?? '');
  if (!credential) throw refused('X-Amz-Credential', 'is not <key>/<date>/<region>/<service>/aws4_request');
  const expires = Number(q.get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires <= 0 || expires > 604800)
    throw refused('X-Amz-Expires', 'must be a number of seconds from 1 to 604800');
  const signature = q.get('X-Amz-Signature') ?? '';
  if (!/^[0-9a-f]{64}$/.test(signature)) throw refused('X-Amz-Signature', 'is not 64 hex digits');
  const [, accessKeyId = '', scopeDate = '', scopeRegion = '', scopeService = ''] = credential;
  return {
    accessKeyId,
    scopeDate,
    scopeRegion,
    scopeService,
    signedHeaders: (q.get('X-Amz-SignedHeaders') ?? '').split(';'),
    signature,
    amzDate: q.get('X-Amz-Date') ?? '',
    expiresSeconds: expires,
  };
}

/**
 * No check at all (the sandbox with EKSFLOW_SANDBOX_AUTH=off): every request acts as `identity`, so the
 * handlers still see a principal, as they always do behind API Gateway's IAM authorization.
 */
export function unverifiedAs(identity: SigningIdentity): RequestVerifier {
  const caller: VerifiedCaller = {
    principalArn: identity.principalArn,
    accessKeyId: identity.accessKeyId,
    accountId: accountOf(identity.principalArn),
    service: EXECUTE_API_SERVICE,
    presigned: false,
  };
  return async () => caller;
}

/** The signature the key's owner would have computed over exactly the headers the request says it signed. */
async function signatureOf(
  request: IncomingSignedRequest,
  parts: SignatureParts,
  identity: SigningIdentity,
  signingDate: Date,
): Promise<string | undefined> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey },
    region: parts.scopeRegion,
    service: parts.scopeService,
    sha256: Sha256,
    // Sign only what the client signed: without this the signer adds x-amz-content-sha256 (curl sends none).
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    if (key === 'X-Amz-Signature') continue;
    const values = request.query.getAll(key);
    const [only, ...more] = values;
    query[key] = only !== undefined && more.length === 0 ? only : values;
  }
  const unsigned = {
    method: request.method,
    protocol: 'http:',
    hostname: request.headers.host ?? '',
    path: request.path,
    query,
    headers: Object.fromEntries(parts.signedHeaders.map((h) => [h, request.headers[h] ?? ''])),
    body: request.body.length ? request.body : undefined,
  };
  // Sign what the client signed, even headers the SDK would leave out (e.g. user-agent).
  const signableHeaders = new Set(parts.signedHeaders);
  if (parts.expiresSeconds !== undefined) {
    const presigned = await signer.presign(unsigned, {
      signingDate,
      expiresIn: parts.expiresSeconds,
      signableHeaders,
      unhoistableHeaders: signableHeaders,
    });
    return String(presigned.query?.['X-Amz-Signature'] ?? '') || undefined;
  }
  const signed = await signer.sign(unsigned, { signingDate, signableHeaders });
  return /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1];
}

/** A client may send the body's hash in x-amz-content-sha256; the signature then covers that value, not the body. */
function checkDeclaredPayloadHash(request: IncomingSignedRequest): void {
  const declared = request.headers[CONTENT_SHA256_HEADER];
  if (declared === undefined) return;
  if (declared === UNSIGNED_PAYLOAD) throw refused(CONTENT_SHA256_HEADER, 'unsigned payloads are not accepted');
  if (declared !== createHash('sha256').update(request.body).digest('hex'))
    throw refused(CONTENT_SHA256_HEADER, 'does not match the SHA-256 of the body');
}

function parseAmzDate(value: string | undefined): Date {
  const match = value === undefined ? null : AMZ_DATE_PATTERN.exec(value);
  if (!match) throw refused('x-amz-date', 'missing or not in the form YYYYMMDDTHHMMSSZ');
  const [, y = 0, mo = 1, d = 0, h = 0, mi = 0, s = 0] = match.map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

function sameSignature(expected: string | undefined, given: string): boolean {
  if (expected === undefined || expected.length !== given.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

/** `arn:aws:iam::123456789012:user/x` → `123456789012`. */
function accountOf(principalArn: string): string {
  return principalArn.split(':')[4] ?? '';
}

function refused(field: string, reason: string): UnauthenticatedError {
  return new UnauthenticatedError(`${field}: ${reason}`, { details: [{ field, reason }] });
}
