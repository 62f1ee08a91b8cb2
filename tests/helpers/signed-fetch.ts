import { signedHeaders } from '../../cli/http/sigv4';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import type { SigningIdentity } from '../../local/sigv4-verifier';

/** Who signs a test's request: a sandbox identity, any key pair (e.g. a wrong secret), or nobody. */
export type Signer = 'admin' | 'restricted' | 'unsigned' | SigningIdentity;

export interface SigningOptions {
  as?: Signer;
  region: string;
  /** Sign as if at this time (a stale signature); default now. */
  signingDate?: Date;
  /** Send and sign x-amz-content-sha256, as the AWS SDK does (default); false signs as `curl --aws-sigv4` does. */
  contentSha256Header?: boolean;
}

const IDENTITIES = { admin: SANDBOX_ADMIN, restricted: SANDBOX_RESTRICTED };

/**
 * `fetch` that signs the request with SigV4 for `execute-api`, as the AWS SDK or `curl --aws-sigv4` would:
 * what the deployed API's IAM authorization and the sandbox's verifier both expect. Signs as the admin by default.
 */
export async function signedFetch(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  options: SigningOptions,
): Promise<Response> {
  const signer = options.as ?? 'admin';
  if (signer === 'unsigned') return fetch(url, init);
  const identity = typeof signer === 'string' ? IDENTITIES[signer] : signer;
  const headers = await signedHeaders(url, init, {
    credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey },
    ...options,
  });
  return fetch(url, { ...init, headers });
}
