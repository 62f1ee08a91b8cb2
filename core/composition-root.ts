import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from './config';
import type { Container } from './wiring/container';
import { wiringContext } from './wiring/context';
import { everyPort } from './wiring/every-port';

/**
 * Every port, wired from config: the sandbox (one process for every function) and the tests. A deployed function
 * wires only the ports it uses, from the same factories (functions/container.ts `wired`).
 * `overrides` swaps parts (the local engine for Step Functions, test doubles). `credentials`: whose keys every
 * AWS call (and EKS token) is signed with; in the sandbox, the keys the AWS gate knows as that function's packaged role.
 */
export function buildContainer(
  config: Config,
  overrides: Partial<Container> = {},
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider,
): Container {
  return everyPort(wiringContext(config, overrides, credentials));
}
