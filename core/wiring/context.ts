import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { SDK_RETRY_OFF } from '../adapters/aws/aws-call';
import { EmfMetrics } from '../adapters/aws/emf-metrics';
import { LogMetrics, noMetrics } from '../adapters/local/log-metrics';
import type { Config } from '../config';
import { systemClock } from '../kernel/clock';
import { createLogger, type Logger, SERVICE_NAME } from '../kernel/logger';
import type { Container } from './container';

/**
 * What every factory of core/wiring builds from: the configuration, whose keys sign the AWS calls, and the parts a
 * runtime supplies itself (`overrides`: the sandbox's engine and network, test doubles; none deployed). Each port is
 * built once per context, so that the ports of one function share their SDK clients and their Kubernetes clients.
 */
export interface WiringContext {
  config: Config;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  aws: ReturnType<typeof awsClientConfig>;
  overrides: Partial<Container>;
  /** Built on the first call for `key`, the same value afterwards. */
  once<T>(key: string, build: () => T): T;
}

/**
 * `credentials`: whose keys every AWS call (and EKS token) is signed with; deployed, the function's role from the
 * environment (the provider chain costs nothing at load on top of a client, which bundles the same chain); in the
 * sandbox, the keys the AWS gate knows as that function's packaged role.
 */
export function wiringContext(
  config: Config,
  overrides: Partial<Container> = {},
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider = fromNodeProviderChain(),
): WiringContext {
  const built = new Map<string, unknown>();
  return {
    config,
    credentials,
    aws: awsClientConfig(config, credentials),
    overrides,
    once<T>(key: string, build: () => T): T {
      if (!built.has(key)) built.set(key, build());
      return built.get(key) as T;
    },
  };
}

/**
 * A port of the container: the runtime's own when it supplies one, else built once from `build`. Every factory
 * goes through here, so that an override replaces the port for the ports built on it too (kube for baseline).
 */
export function port<K extends keyof Container>(ctx: WiringContext, key: K, build: () => Container[K]): Container[K] {
  return ctx.overrides[key] ?? ctx.once(key, build);
}

/**
 * What every AWS SDK client of a function is built with. The SDK's own retries are off (SDK_RETRY_OFF):
 * `awsCall` (core/kernel/retry.ts) is the one layer that retries a throttled or failed call inside an invocation.
 */
export function awsClientConfig(
  config: Pick<Config, 'region' | 'awsEndpoint'>,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
) {
  return {
    region: config.region,
    ...SDK_RETRY_OFF,
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
    credentials,
  };
}

export const logger = (ctx: WiringContext): Logger => port(ctx, 'logger', () => createLogger(ctx.config.logLevel));

export const metrics = (ctx: WiringContext): Metrics =>
  port(ctx, 'metrics', () => {
    if (ctx.config.metrics === 'emf') return new EmfMetrics(SERVICE_NAME, logger(ctx));
    return ctx.config.metrics === 'log' ? new LogMetrics(logger(ctx)) : noMetrics;
  });

export const now = (ctx: WiringContext): (() => Date) => port(ctx, 'now', () => systemClock.now);

/** Short in-task waits (pods becoming Ready); see RolloutDeps.sleep. */
export const sleep = (ctx: WiringContext) => port(ctx, 'sleep', () => (ms: number) => systemClock.sleep(ms));

type Metrics = Container['metrics'];
