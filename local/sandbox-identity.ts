import type http from 'node:http';

/**
 * Who calls the sandbox's API while it checks no signatures, in one place. The lead switches this to the principal
 * of a verified SigV4 signature once authentication is merged; deployed, API Gateway's IAM authorizer fills it.
 */

/** The sandbox's admin (`.sandbox/env`): every action everywhere (config/access-policy.yaml). */
export const SANDBOX_ADMIN_ARN = 'arn:aws:iam::000000000000:user/eksflow-admin';
/** The restricted identity (`.sandbox/restricted.env`): read/rollout/promote/abort in `team-*` on `sandbox`. */
export const SANDBOX_RESTRICTED_ARN = 'arn:aws:iam::000000000000:role/team-developer';

/**
 * Tests only (runtime option `principalHeader`): a request names the principal it acts as in this header, so one
 * runtime can serve the admin and the restricted identity. Never honoured unless the runtime was started with it.
 */
export const TEST_PRINCIPAL_HEADER = 'x-eksflow-test-principal';

export interface SandboxIdentityOptions {
  /** The principal of every request; defaults to the admin. */
  sandboxPrincipal?: string;
  /** Honour TEST_PRINCIPAL_HEADER (tests); off by default. */
  principalHeader?: boolean;
}

export function sandboxPrincipalOf(options: SandboxIdentityOptions): (req: http.IncomingMessage) => string {
  const fallback = options.sandboxPrincipal ?? SANDBOX_ADMIN_ARN;
  return (req) => {
    const named = options.principalHeader ? req.headers[TEST_PRINCIPAL_HEADER] : undefined;
    return typeof named === 'string' && named !== '' ? named : fallback;
  };
}
