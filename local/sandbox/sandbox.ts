import { CreateClusterCommand, DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../../shared/config';
import { startLocalRuntime, REPO_ROOT, type LocalRuntime } from '../runtime';
import { AlarmBridge } from './alarm-bridge';
import type { SigningIdentity } from '../sigv4-verifier';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from './identities';
import { ensureNetworkAndRole, ensureTable } from './aws-fixtures';
import { startControlPlane, type ControlPlane } from './control-plane';
import { startMoto, type MotoServer } from './moto';
import type { Progress } from './processes';

export const SANDBOX_CLUSTER = 'sandbox';
/** The admin identity's keys: the AWS SDK's on the emulator, and the signer of API requests. */
export const SANDBOX_CREDENTIALS = {
  accessKeyId: SANDBOX_ADMIN.accessKeyId,
  secretAccessKey: SANDBOX_ADMIN.secretAccessKey,
};

/** The emulator and the control plane: what both `npm start` and the integration tests need. */
export interface Stack {
  region: string;
  awsEndpoint: string;
  controlPlane: ControlPlane;
  stop(): Promise<void>;
}

export async function startStack(options: {
  root?: string;
  dir: string;
  progress: Progress;
  region?: string;
  /** Default readiness delay of simulated pods; unset: EKSFLOW_SANDBOX_READY_AFTER_SECONDS, else 0. */
  readyAfterSeconds?: number;
}): Promise<Stack> {
  const root = options.root ?? REPO_ROOT;
  const region = options.region ?? 'us-east-1';
  const readyAfterSeconds = options.readyAfterSeconds ?? readyAfterSecondsFromEnv(process.env);
  let moto: MotoServer | undefined;
  try {
    // Both at once: the control plane's first build takes minutes, the emulator's install seconds.
    const [m, controlPlane] = await Promise.all([
      startMoto(root, options.progress),
      startControlPlane(root, path.join(options.dir, 'kube'), options.progress, { readyAfterSeconds }),
    ]);
    moto = m;
    return {
      region,
      awsEndpoint: m.endpoint,
      controlPlane,
      stop: async () => {
        await Promise.allSettled([m.stop(), controlPlane.stop()]);
      },
    };
  } catch (error) {
    await moto?.stop();
    throw error;
  }
}

/**
 * The sandbox's default pod readiness delay from `EKSFLOW_SANDBOX_READY_AFTER_SECONDS` (seconds, fractions
 * allowed); unset or empty: none. A bad value stops the start rather than silently running without the delay.
 */
export function readyAfterSecondsFromEnv(env: Record<string, string | undefined>): number | undefined {
  const raw = env.EKSFLOW_SANDBOX_READY_AFTER_SECONDS?.trim();
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new Error(`EKSFLOW_SANDBOX_READY_AFTER_SECONDS must be a number of seconds >= 0, got "${raw}"`);
  return seconds;
}

/** Environment that points the AWS SDK (ours, the CLI's) at the stack's emulator. */
export function stackEnv(
  stack: Pick<Stack, 'region' | 'awsEndpoint'>,
  identity: SigningIdentity = SANDBOX_ADMIN,
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: stack.awsEndpoint,
    AWS_REGION: stack.region,
    AWS_DEFAULT_REGION: stack.region,
    AWS_ACCESS_KEY_ID: identity.accessKeyId,
    AWS_SECRET_ACCESS_KEY: identity.secretAccessKey,
  };
}

/** `.sandbox/env` and `.sandbox/restricted.env`: KEY=VALUE lines. */
function envFileText(env: Record<string, string>): string {
  return `${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/**
 * Config for the local runtime on the stack: every EKS cluster's Kubernetes API is the local
 * control plane; clusters get the emulator's role and subnets unless the request names its own.
 */
export async function sandboxConfig(stack: Stack, extra: Record<string, string> = {}): Promise<Config> {
  const env = stackEnv(stack);
  Object.assign(process.env, env); // the SDK's default credential chain reads these
  const aws = { region: stack.region, endpoint: stack.awsEndpoint, credentials: SANDBOX_CREDENTIALS };
  const config = loadConfig({ ...env, LOG_LEVEL: process.env.LOG_LEVEL, ...extra });
  await ensureTable(aws, config.tableName);
  const fixtures = await ensureNetworkAndRole(aws);
  const { server, caData, token } = stack.controlPlane;
  return {
    ...config,
    kubeOverrides: { '*': { server, caData, token } },
    clusterDefaults: { roleArn: fixtures.roleArn, subnetIds: fixtures.subnetIds, nodeRoleArn: fixtures.roleArn },
    clusterPollSeconds: Number(extra.EKSFLOW_CLUSTER_POLL_SECONDS ?? 2),
  };
}

/** The `sandbox` EKS cluster on the emulator, mapped (by the override) to the local control plane. */
export async function ensureSandboxCluster(config: Config): Promise<void> {
  const eks = new EKSClient({ region: config.region, endpoint: config.awsEndpoint, credentials: SANDBOX_CREDENTIALS });
  const exists = await eks.send(new DescribeClusterCommand({ name: SANDBOX_CLUSTER })).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await eks.send(
    new CreateClusterCommand({
      name: SANDBOX_CLUSTER,
      roleArn: config.clusterDefaults.roleArn,
      resourcesVpcConfig: { subnetIds: config.clusterDefaults.subnetIds },
      tags: { 'eksflow:managed': 'true' },
    }),
  );
}

export interface Sandbox {
  stack: Stack;
  runtime: LocalRuntime;
  alarms: AlarmBridge;
  stop(): Promise<void>;
}

/** Everything `npm start` runs: stack, runtime, alarm events; writes `.sandbox/kubeconfig` and `.sandbox/env`. */
export async function startSandbox(options: {
  root?: string;
  dir: string;
  port: number;
  progress: Progress;
}): Promise<Sandbox> {
  const stack = await startStack(options);
  try {
    const config = await sandboxConfig(stack);
    await ensureSandboxCluster(config);
    const runtime = await startLocalRuntime({
      config,
      port: options.port,
      runSchedules: true,
      extraHealthChecks: [
        // The dashboard page, not data.json: that one serialises every resource in the emulator.
        { name: 'aws-emulator', check: async () => void (await fetchOk(`${stack.awsEndpoint}/moto-api/`)) },
        {
          name: 'kubernetes',
          check: async () => {
            const { core } = await runtime.container.kube.forCluster(SANDBOX_CLUSTER);
            await core.listNamespace({ limit: 1 });
          },
        },
      ],
    });
    const alarms = new AlarmBridge(
      new CloudWatchClient({ region: config.region, endpoint: config.awsEndpoint, credentials: SANDBOX_CREDENTIALS }),
      runtime.deliverEvent,
      {
        region: config.region,
        onError: (error) => runtime.container.logger.warn('alarm bridge poll failed', { error }),
      },
    );
    await alarms.start();
    mkdirSync(options.dir, { recursive: true });
    writeFileSync(path.join(options.dir, 'env'), envFileText(stackEnv(stack, SANDBOX_ADMIN)));
    writeFileSync(path.join(options.dir, 'restricted.env'), envFileText(stackEnv(stack, SANDBOX_RESTRICTED)));
    writeFileSync(path.join(options.dir, 'kubeconfig'), kubeconfigYaml(stack.controlPlane));
    return {
      stack,
      runtime,
      alarms,
      stop: async () => {
        await alarms.stop();
        await runtime.close();
        await stack.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

async function fetchOk(url: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

function kubeconfigYaml(cp: ControlPlane): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${SANDBOX_CLUSTER}`,
    '  cluster:',
    `    server: ${cp.server}`,
    `    certificate-authority-data: ${cp.caData}`,
    'users:',
    '- name: eksflow-sandbox',
    '  user:',
    `    token: ${cp.token}`,
    'contexts:',
    `- name: ${SANDBOX_CLUSTER}`,
    '  context:',
    `    cluster: ${SANDBOX_CLUSTER}`,
    '    user: eksflow-sandbox',
    `current-context: ${SANDBOX_CLUSTER}`,
    '',
  ].join('\n');
}
