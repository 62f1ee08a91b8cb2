import type { SigningIdentity } from '../sigv4-verifier';

/**
 * The sandbox's callers. The admin's keys are the ones in `.sandbox/env` (the emulator takes any keys, so
 * the same pair serves the AWS SDK there and the eksflow API); the restricted identity in
 * `.sandbox/restricted.env` exists so that authorization has someone to refuse.
 */
export const SANDBOX_ADMIN: SigningIdentity = {
  accessKeyId: 'sandbox',
  secretAccessKey: 'sandbox',
  principalArn: 'arn:aws:iam::000000000000:user/eksflow-admin',
};

export const SANDBOX_RESTRICTED: SigningIdentity = {
  accessKeyId: 'sandbox-restricted',
  secretAccessKey: 'sandbox-restricted',
  principalArn: 'arn:aws:iam::000000000000:role/team-developer',
};

export const SANDBOX_IDENTITIES: SigningIdentity[] = [SANDBOX_ADMIN, SANDBOX_RESTRICTED];

/** `EKSFLOW_SANDBOX_AUTH=off` lets unsigned requests through in the sandbox; only local/ reads it, never a Lambda. */
export const SANDBOX_AUTH_ENV = 'EKSFLOW_SANDBOX_AUTH';

export function sandboxAuthEnabled(env: Record<string, string | undefined>): boolean {
  const value = env[SANDBOX_AUTH_ENV]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${SANDBOX_AUTH_ENV} must be "on" or "off", got "${env[SANDBOX_AUTH_ENV]}"`);
}
