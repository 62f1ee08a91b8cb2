import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { UsageError } from './errors';

/** Where `npm start` listens unless PORT says otherwise (docs/design.md, "The local sandbox"). */
export const SANDBOX_DEFAULT_PORT = 3000;
/** The folder `npm start` writes its env and kubeconfig into, at the repository root. */
export const SANDBOX_DIR_NAME = '.sandbox';
/** Points the CLI at a sandbox folder other than the `.sandbox/` found from the working directory upward. */
export const SANDBOX_DIR_ENV = 'EKSFLOW_SANDBOX_DIR';
export const API_ENV = 'EKSFLOW_API';

/** The API the CLI talks to and how it signs: the sandbox's own keys, or the standard AWS credential chain. */
export interface Endpoint {
  url: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The sandbox folder (env, kubeconfig) when talking to the sandbox. */
  sandboxDir?: string;
  /** The sandbox's `.sandbox/env` values (emulator endpoint, keys, region). */
  sandboxEnv?: Record<string, string>;
}

/** `KEY=VALUE` lines, as `.sandbox/env` holds them (blank lines and `#` comments ignored). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) env[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return env;
}

/** The nearest `.sandbox/` holding an `env`, from `cwd` upward (the CLI may run anywhere in the repository). */
export function findSandboxDir(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, SANDBOX_DIR_NAME);
    if (existsSync(path.join(candidate, 'env'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `https://abc.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`. */
export function regionOfApiUrl(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(url).hostname)?.[1];
}

/**
 * Profile, SSO, environment, container or instance role: what the AWS CLI and SDKs would use. Loaded on first
 * use: the sandbox, the common case, never needs it, and it is the largest module the CLI would load.
 */
function standardCredentialChain(): AwsCredentialIdentityProvider {
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (options) => {
    chain ??= import('@aws-sdk/credential-providers').then((m) => m.fromNodeProviderChain());
    return (await chain)(options);
  };
}

export function resolveEndpoint(options: {
  api?: string;
  cwd: string;
  env: Record<string, string | undefined>;
}): Endpoint {
  const api = options.api ?? options.env[API_ENV];
  if (api) {
    let url: URL;
    try {
      url = new URL(api);
    } catch {
      throw new UsageError(`--api: "${api}" is not a URL`);
    }
    const region = options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION ?? regionOfApiUrl(api);
    if (!region) throw new UsageError('--api: set AWS_REGION to the region of the API (its URL does not say)');
    return { url: url.toString().replace(/\/$/, ''), region, credentials: standardCredentialChain() };
  }
  const sandboxDir = options.env[SANDBOX_DIR_ENV] ?? findSandboxDir(options.cwd);
  const envFile = sandboxDir && path.join(sandboxDir, 'env');
  if (!envFile || !existsSync(envFile))
    throw new UsageError(
      `no ${SANDBOX_DIR_NAME}/env found from ${options.cwd} upward: start the sandbox (npm start) or pass --api URL`,
    );
  const sandboxEnv = parseEnvFile(readFileSync(envFile, 'utf8'));
  const region = sandboxEnv.AWS_REGION ?? sandboxEnv.AWS_DEFAULT_REGION;
  if (!region || !sandboxEnv.AWS_ACCESS_KEY_ID || !sandboxEnv.AWS_SECRET_ACCESS_KEY)
    throw new UsageError(`${envFile} lacks AWS_REGION or the access keys: restart the sandbox (npm start)`);
  const port = Number(options.env.PORT ?? SANDBOX_DEFAULT_PORT);
  return {
    url: `http://127.0.0.1:${port}`,
    region,
    credentials: { accessKeyId: sandboxEnv.AWS_ACCESS_KEY_ID, secretAccessKey: sandboxEnv.AWS_SECRET_ACCESS_KEY },
    sandboxDir,
    sandboxEnv,
  };
}
