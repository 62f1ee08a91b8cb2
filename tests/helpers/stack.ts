import { randomBytes, randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeApiClient, kubeConfigFor } from '../../core/adapters/kube/kube-clients';
import type { Config } from '../../core/config';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime';
import { AlarmBridge } from '../../local/sandbox/alarm-bridge';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import {
  emulatorClientConfig,
  ensureSandboxCluster,
  SANDBOX_CREDENTIALS,
  type Stack,
  sandboxConfig,
} from '../../local/sandbox/sandbox';
import { registerWithGate } from '../../tools/aws-gate/function-identities';
import { type SigningOptions, signedFetch } from './signed-fetch';
import { autoAdvance, emulatorBusy, testClock } from './test-clock';

export interface TestStack {
  region: string;
  /** The AWS gate: IAM and quotas as AWS applies them (what `.sandbox/env` names). */
  awsEndpoint: string;
  /** The emulator itself: fixtures and assertions made directly on it, as AWS's own state. */
  emulatorEndpoint: string;
  controlPlane: { server: string; caData: string; token: string };
  /** The stack's kubeconfig (the sandbox's `.sandbox/kubeconfig`), when the stack wrote one. */
  kubeconfig?: string;
}

/** This worker's stack, started by the global setup (its endpoints travel in an environment variable, setup-env.ts). */
export function testStack(): TestStack {
  const raw = process.env.EKSFLOW_TEST_STACK;
  if (!raw)
    throw new Error(
      'EKSFLOW_TEST_STACK is not set: run integration tests through Jest (the global setup starts one stack per worker)',
    );
  return JSON.parse(raw) as TestStack;
}

/** SDK config for fixtures and assertions made directly on the emulator (not through the AWS gate). */
export const awsClientConfig = () => emulatorClientConfig(testStack());

/** SDK config for calls through the AWS gate with the admin keys of `.sandbox/env`. */
export const gateClientConfig = () => ({
  region: testStack().region,
  endpoint: testStack().awsEndpoint,
  credentials: SANDBOX_CREDENTIALS,
});

/**
 * Keys for a caller the AWS gate knows as `principalArn` (an IAM user, or a role's `assumed-role/…/<session>`),
 * with no IAM grants: the account's STS answers GetCallerIdentity with that ARN, so an EKS token made with these
 * keys names it, as AWS's would. The gate, not the emulator, is the account's authority on callers.
 */
export async function gateIdentity(principalArn: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const temporary = principalArn.includes(':assumed-role/');
  const credentials = {
    // What AWS's keys look like: ASIA… for a role session's, AKIA… for a user's.
    accessKeyId: `${temporary ? 'ASIA' : 'AKIA'}${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(20).toString('base64'),
  };
  await registerWithGate(testStack().awsEndpoint, testStack().region, SANDBOX_ADMIN, [
    { ...credentials, principalArn, functionName: '', roleArn: '', policies: [] },
  ]);
  return credentials;
}

let kubeClients: { core: CoreV1Api; apps: AppsV1Api; config: KubeConfig } | undefined;

/** Direct Kubernetes clients for assertions and fixtures (not through eksflow): one pool of connections per file. */
export function kube(): { core: CoreV1Api; apps: AppsV1Api; config: KubeConfig } {
  if (kubeClients) return kubeClients;
  const config = kubeConfigFor('test', testStack().controlPlane);
  kubeClients = { core: kubeApiClient(config, CoreV1Api), apps: kubeApiClient(config, AppsV1Api), config };
  return kubeClients;
}

export interface TestRuntime extends LocalRuntime {
  alarms: AlarmBridge;
}

export interface TestRuntimeOptions {
  /**
   * Jump the test clock over every wait in which nothing real happens (tests/helpers/test-clock.ts): the engine's
   * polls, pauses and backoffs pass at once. Off, the clock runs at real speed unless the test advances it.
   */
  autoAdvance?: boolean;
  env?: Record<string, string>;
  /** The runtime's AWS calls go here instead of the emulator (a fault proxy in front of it). */
  awsEndpoint?: string;
  /** Its Kubernetes calls go to this server instead of the control plane (a fault proxy; same token). */
  kubeServer?: string;
  /** The store's table: a restarted runtime reuses the one it crashed on; a fresh one by default. */
  table?: string;
  /** Passed to startLocalRuntime: sweep at start (and at this interval) to find work a killed runtime left. */
  recovery?: { sweepIntervalMs?: number };
  /** Passed to startLocalRuntime: parts of the wiring to swap (a logger or metrics that a test reads, an adapter wrapped to inject a failure). */
  containerOverrides?: LocalRuntimeOptions['containerOverrides'];
  /** Passed to startLocalRuntime: a change to the packaged roles (a test proving that the gate refuses). */
  mutateRoles?: LocalRuntimeOptions['mutateRoles'];
  /** Passed to startLocalRuntime: a change to a copy of the packaged template (the services' own authorizations). */
  mutateTemplate?: LocalRuntimeOptions['mutateTemplate'];
}

/** A crash-test child's options: a restarted child starts its clock where the killed one's stood. */
export type ChildRuntimeOptions = TestRuntimeOptions & { clockOffsetMs?: number };

/** A fresh table name: test files never see each other's records. */
export const testTableName = () => `eksflow-test-${randomUUID().slice(0, 8)}`;

/**
 * Config of a runtime on the shared stack: what startTestRuntime and the crash harness's child both
 * run with. The fixtures (table, sandbox cluster) are made directly on the emulator, never through a proxy.
 */
export async function testRuntimeConfig(options: TestRuntimeOptions = {}): Promise<Config> {
  const stack = testStack();
  const config = await sandboxConfig(
    { ...stack, controlPlane: { ...stack.controlPlane, kubeconfig: '', stop: async () => undefined } } as Stack,
    {
      EKSFLOW_TABLE: options.table ?? testTableName(),
      ...options.env,
    },
  );
  await ensureSandboxCluster(stack, config);
  const kubeServer = options.kubeServer;
  return {
    ...config,
    awsEndpoint: options.awsEndpoint ?? config.awsEndpoint,
    // The functions' EKS tokens go through the proxy to the cluster, which authenticates them.
    kubeOverrides: kubeServer ? { '*': { server: kubeServer } } : config.kubeOverrides,
  };
}

/** The alarm bridge of the sandbox: CloudWatch state changes on the emulator (read directly) → the runtime. */
export async function startAlarmBridge(
  config: Config,
  runtime: Pick<LocalRuntime, 'deliverEvent' | 'clock'>,
  onError?: (error: unknown) => void,
): Promise<AlarmBridge> {
  const alarms = new AlarmBridge(new CloudWatchClient(awsClientConfig()), runtime.deliverEvent, {
    region: config.region,
    clockOffsetMs: () => runtime.clock.offset(),
    // Each runtime of a file has its own bridge reading every alarm of the worker's emulator: only after a write.
    emulatorEndpoint: testStack().emulatorEndpoint,
    onError,
  });
  await alarms.start();
  return alarms;
}

/**
 * The local runtime on the shared stack, with a table of its own so test files never see each
 * other's records, and the alarm bridge delivering CloudWatch state changes as in the sandbox.
 */
export async function startTestRuntime(options: TestRuntimeOptions = {}): Promise<TestRuntime> {
  const config = await testRuntimeConfig(options);
  const runtime = await startLocalRuntime({
    config,
    emulatorEndpoint: testStack().emulatorEndpoint,
    clock: testClock(),
    recovery: options.recovery,
    containerOverrides: options.containerOverrides,
    mutateRoles: options.mutateRoles,
    mutateTemplate: options.mutateTemplate,
    awsGate: testStack().awsEndpoint,
  });
  const alarms = await startAlarmBridge(config, runtime);
  const stopAdvancing = options.autoAdvance
    ? autoAdvance(testClock(), { busy: emulatorBusy(new EKSClient(awsClientConfig())) })
    : () => undefined;
  const closeRuntime = runtime.close;
  return Object.assign(runtime, {
    alarms,
    close: async () => {
      stopAdvancing();
      await alarms.stop();
      await closeRuntime();
    },
  });
}

/** `fetch` signed for the test stack's region (as the admin unless `as` says otherwise). */
export function stackFetch(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  options: Omit<SigningOptions, 'region'> = {},
): Promise<Response> {
  return signedFetch(url, init, { region: testStack().region, ...options });
}

/**
 * One API call, signed with SigV4 as the sandbox admin unless `options.as` names another signer (or `unsigned`);
 * `options.headers` are sent (and signed) too, e.g. an `idempotency-key`.
 */
export async function api(
  runtime: { url: string },
  method: string,
  path: string,
  body?: unknown,
  options: Omit<SigningOptions, 'region'> & { headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const response = await stackFetch(
    runtime.url + path,
    {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    },
    options,
  );
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** `api` signed by the sandbox identity whose principal is `principal` (the admin or the restricted one). */
export function apiAs(
  principal: string,
  runtime: { url: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const identity = [SANDBOX_ADMIN, SANDBOX_RESTRICTED].find((i) => i.principalArn === principal);
  if (!identity) throw new Error(`no sandbox identity signs as ${principal}`);
  return api(runtime, method, path, body, { as: identity });
}

/**
 * Polls until `probe` returns a value (not undefined) or the timeout passes: at once, then backing off from 25 ms
 * to `maxIntervalMs`, so a quick condition is seen quickly and a slow one does not cost a probe every few ms.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20000,
  maxIntervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let intervalMs = Math.min(25, maxIntervalMs);
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
    intervalMs = Math.min(intervalMs * 2, maxIntervalMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 6)}`;
