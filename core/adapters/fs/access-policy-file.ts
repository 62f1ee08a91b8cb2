import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AccessPolicy } from '../../access/domain/policy';
import { parseAccessPolicy } from '../../access/requests/access-policy';

/** The deployed policy: the text the stack was packaged with (EKSFLOW_ACCESS_POLICY), else the file. */
export function loadAccessPolicy(source: { accessPolicyText?: string; accessPolicyFile: string }): AccessPolicy {
  if (source.accessPolicyText === undefined) return loadAccessPolicyFile(source.accessPolicyFile);
  try {
    return parseAccessPolicy(source.accessPolicyText, 'EKSFLOW_ACCESS_POLICY');
  } catch (error) {
    throw new Error(`access policy is invalid: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The access policy deployed with the stack: a file bundled next to the handler (relative paths are taken from
 * the working directory, which is the function's root in Lambda). Read on the first request that needs it; a
 * missing or invalid file fails every such request (500, logged with the bad fields), never allowing anything.
 */
export function loadAccessPolicyFile(file: string): AccessPolicy {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new Error(`access policy ${resolved} cannot be read (EKSFLOW_ACCESS_POLICY_FILE)`, { cause: error });
  }
  try {
    return parseAccessPolicy(text, resolved);
  } catch (error) {
    // The deployment's mistake, not the caller's: a plain Error becomes a logged 500, never a 400.
    throw new Error(`access policy is invalid: ${(error as Error).message}`, { cause: error });
  }
}
