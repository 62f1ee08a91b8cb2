import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AccessPolicy } from '../domain/access/policy';
import { parseAccessPolicy } from '../validation/access-policy';

/**
 * The access policy deployed with the stack: a file bundled next to the handler (relative paths are taken from
 * the working directory, which is the function's root in Lambda). Read once per cold start; a missing or invalid
 * file fails the start, so the API never runs without a policy.
 */
export function loadAccessPolicyFile(file: string): AccessPolicy {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new Error(`access policy ${resolved} cannot be read (EKSFLOW_ACCESS_POLICY_FILE)`, { cause: error });
  }
  return parseAccessPolicy(text, resolved);
}
