import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { EXECUTE_API } from '../cli/http/sigv4';
import { UnauthenticatedError } from '../shared/errors';

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

export function sigV4Verifier(options: {
  region: string;
  identities: SigningIdentity[];
  service?: string;
  now?: () => Date;
}): RequestVerifier {
  const service = options.service ?? EXECUTE_API_SERVICE;
  const now = options.now ?? (() => new Date());
  const byAccessKey = new Map(options.identities.map((i) => [i.accessKeyId, i]));

  return async (request) => {
    const authorization = request.headers.authorization;
    if (!authorization) throw refused('authorization', `missing: sign the request with AWS SigV4 (service ${service})`);
    const parsed = AUTHORIZATION_PATTERN.exec(authorization);
    if (!parsed)
      throw refused('authorization', 'is not an AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=… header');
    const [, accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaderList, signature] = parsed;
    const identity = byAccessKey.get(accessKeyId);
    if (!identity) throw refused('authorization', `unknown access key ${accessKeyId}`);
    if (scopeRegion !== options.region || scopeService !== service)
      throw refused(
        'authorization',
        `signed for ${scopeRegion}/${scopeService}; this API takes ${options.region}/${service}`,
      );

    const signingDate = parseAmzDate(request.headers['x-amz-date']);
    if (Math.abs(now().getTime() - signingDate.getTime()) > MAX_SIGNATURE_AGE_MS)
      throw refused('x-amz-date', `${request.headers['x-amz-date']} is more than 5 minutes from the server's clock`);
    if (request.headers['x-amz-date'].slice(0, 8) !== scopeDate)
      throw refused('authorization', `credential scope date ${scopeDate} is not the date of x-amz-date`);

    const signedHeaders = signedHeaderList.split(';');
    const unsigned = REQUIRED_SIGNED_HEADERS.filter((h) => !signedHeaders.includes(h));
    if (unsigned.length) throw refused('authorization', `SignedHeaders must include ${unsigned.join(', ')}`);
    const missing = signedHeaders.filter((h) => request.headers[h] === undefined);
    if (missing.length)
      throw refused('authorization', `signed headers missing from the request: ${missing.join(', ')}`);
    checkDeclaredPayloadHash(request);

    const expected = await signatureOf(request, signedHeaders, identity, signingDate, options.region, service);
    if (!sameSignature(expected, signature))
      throw refused('authorization', 'the signature does not match the request (wrong secret key, or altered request)');
    return { principalArn: identity.principalArn, accessKeyId, accountId: accountOf(identity.principalArn) };
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
  };
  return async () => caller;
}

/** The signature the key's owner would have computed over exactly the headers the request says it signed. */
async function signatureOf(
  request: IncomingSignedRequest,
  signedHeaders: string[],
  identity: SigningIdentity,
  signingDate: Date,
  region: string,
  service: string,
): Promise<string | undefined> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey },
    region,
    service,
    sha256: Sha256,
    // Sign only what the client signed: without this the signer adds x-amz-content-sha256 (curl sends none).
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const values = request.query.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: request.headers.host,
      path: request.path,
      query,
      headers: Object.fromEntries(signedHeaders.map((h) => [h, request.headers[h]])),
      body: request.body.length ? request.body : undefined,
    },
    // Sign what the client signed, even headers the SDK would leave out (e.g. user-agent).
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
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
  const [, y, mo, d, h, mi, s] = match.map(Number);
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
