import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** API Gateway's IAM authorization (and the sandbox's verifier) check signatures for this service. */
export const EXECUTE_API = 'execute-api';

export interface RequestToSign {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface SigningParams {
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  region: string;
  /** Sign as if at this time (tests of stale signatures); default now. */
  signingDate?: Date;
  /** Send and sign x-amz-content-sha256, as the AWS SDK does (default); false signs as `curl --aws-sigv4` does. */
  contentSha256Header?: boolean;
}

/**
 * The headers of `request` signed with SigV4 for `execute-api`, by the AWS SDK's own signer: the one signing
 * routine of the CLI, the dashboard's proxy and the tests. Without `host`: fetch sets it itself (the same value).
 */
export async function signedHeaders(
  url: string,
  request: RequestToSign,
  params: SigningParams,
): Promise<Record<string, string>> {
  const target = new URL(url);
  const signed = await new SignatureV4({
    credentials: params.credentials,
    region: params.region,
    service: EXECUTE_API,
    sha256: Sha256,
    applyChecksum: params.contentSha256Header ?? true,
  }).sign(
    {
      method: request.method ?? 'GET',
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port ? Number(target.port) : undefined,
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: { ...request.headers, host: target.host },
      body: request.body,
    },
    { signingDate: params.signingDate },
  );
  const { host: _host, ...headers } = signed.headers;
  return headers;
}
