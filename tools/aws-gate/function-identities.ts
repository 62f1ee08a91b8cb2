import { randomBytes } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SigningIdentity } from '../../local/sigv4-verifier';
import type { FunctionRole, PackagedRole } from './packaged-roles';

/**
 * The callers a local runtime brings to the AWS gate: one per function, with fresh keys for this start, the
 * ARN STS would name for Lambda's session of the function's role, and that role's policies. Registered with the
 * gate (which may run in another process: the test stack's global setup) by a request signed with an admin key.
 * No AGPL code here: this side only sends the policies; the gate evaluates them.
 */

/** Where a runtime in another process registers its callers (signed by an admin key, JSON `{identities}`). */
export const REGISTER_PATH = '/_eksflow-gate/identities';

export interface FunctionIdentity extends SigningIdentity {
  functionName: string;
  roleArn: string;
  policies: PackagedRole['policies'];
}

/** Lambda's session of a role is named after the function: `assumed-role/<role>/<function>`. */
export function assumedRoleArn(role: Pick<FunctionRole, 'roleArn' | 'roleName' | 'functionName'>): string {
  const account = role.roleArn.split(':')[4];
  return `arn:aws:sts::${account}:assumed-role/${role.roleName}/${role.functionName}`;
}

export function functionIdentities(
  roles: Pick<FunctionRole, 'functionName' | 'roleName' | 'roleArn' | 'policies'>[],
): Map<string, FunctionIdentity> {
  return new Map(
    roles.map((role) => [
      role.functionName,
      {
        functionName: role.functionName,
        roleArn: role.roleArn,
        policies: role.policies,
        // ASIA…: what temporary (role session) keys look like in AWS.
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(20).toString('base64'),
        principalArn: assumedRoleArn(role),
      },
    ]),
  );
}

/** Tells the gate at `endpoint` about these callers (POST /_eksflow-gate/identities, signed by `admin`). */
export async function registerWithGate(
  endpoint: string,
  region: string,
  admin: SigningIdentity,
  identities: FunctionIdentity[],
): Promise<void> {
  const response = await postToGate(endpoint, region, admin, REGISTER_PATH, {
    identities: identities.map(({ accessKeyId, secretAccessKey, principalArn, policies }) => ({
      accessKeyId,
      secretAccessKey,
      principalArn,
      policies,
    })),
  });
  if (response.status !== 204)
    throw new Error(
      `${endpoint} did not take the functions' identities (${response.status} ${await response.text()}): ` +
        "the local runtime calls AWS only through the sandbox's AWS gate (tools/aws-gate)",
    );
}

/** A JSON POST to one of the gate's own paths, signed by an admin key (the gate answers those only to admins). */
export async function postToGate(
  endpoint: string,
  region: string,
  admin: SigningIdentity,
  gatePath: string,
  json: unknown,
): Promise<Response> {
  const url = new URL(gatePath, endpoint);
  const body = JSON.stringify(json);
  const signer = new SignatureV4({
    credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
    region,
    service: 'sts',
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  });
  return fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
}
