import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { type Config, loadConfig } from '../../core/config';
import { present } from '../../core/kernel/invariant';
import { type AwsGate, startAwsGate } from '../../tools/aws-gate/gate';
import { packagedEnvironment, packagedTemplate } from '../../tools/aws-gate/packaged-roles';
import { ensureUiBundle } from '../../ui/build';
import { loopbackHosts, newSessionToken, signingForwarder, UI_PREFIX, uiHandler } from '../../ui/serve';
import type { PrefixHandler } from '../http-server';
import { type LocalRuntime, REPO_ROOT, startLocalRuntime } from '../runtime';
import type { SigningIdentity } from '../sigv4-verifier';
import { AlarmBridge } from './alarm-bridge';
import { AlbController } from './alb/alb-controller';
import { ensureNetworkAndRole, ensureTable } from './aws-fixtures';
import { ClusterFleet } from './cluster-fleet';
import { buildControlPlane, type ControlPlane } from './control-plane';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from './identities';
import { type MotoServer, startMoto } from './moto';
import type { Progress } from './processes';
import { ensureSandboxClusterOn, grantEksflowAccess, SANDBOX_CLUSTER } from './sandbox-cluster';

export { SANDBOX_CLUSTER };
/** The admin identity's keys: the AWS SDK's on the emulator, and the signer of API requests. */
export const SANDBOX_CREDENTIALS = {
  accessKeyId: SANDBOX_ADMIN.accessKeyId,
  secretAccessKey: SANDBOX_ADMIN.secretAccessKey,
};

/** The emulator and the clusters' control planes: what both `npm start` and the integration tests need. */
export interface Stack {
  region: string;
  /** The AWS gate (tools/aws-gate): what `.sandbox/env` names and every function's SDK calls; checks IAM and quotas. */
  awsEndpoint: string;
  /**
   * The emulator itself, for what stands in for AWS (the fleet's polling, the alarm bridge, the table, network
   * and cluster fixtures): those are AWS's own doings, not calls a caller makes.
   */
  emulatorEndpoint: string;
  /** The `sandbox` cluster's control plane (every other cluster's: `fleet.controlPlane(name)`). */
  controlPlane: ControlPlane;
  fleet: ClusterFleet;
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
  let gate: AwsGate | undefined;
  let fleet: ClusterFleet | undefined;
  let alb: AlbController | undefined;
  try {
    // All at once: the control plane's first build takes minutes, the emulator's install seconds, and packaging
    // the template (for the functions' roles, cached after) half a minute.
    const [m, binary] = await Promise.all([
      startMoto(root, options.progress),
      buildControlPlane(root, options.progress),
      packagedTemplate(root, options.progress),
    ]);
    moto = m;
    mkdirSync(options.dir, { recursive: true });
    const gateLog = path.join(options.dir, 'aws-gate.log');
    gate = await startAwsGate({
      emulatorEndpoint: m.endpoint,
      region,
      admins: [SANDBOX_ADMIN],
      // The restricted caller of `.sandbox/restricted.env` has no AWS grants at all.
      identities: [{ ...SANDBOX_RESTRICTED, policies: [] }],
      // Every refusal, one JSON line each: what to read when a step fails with AccessDenied.
      onRefusal: (refusal) =>
        appendFileSync(gateLog, `${JSON.stringify({ at: new Date().toISOString(), ...refusal })}\n`),
    });
    options.progress(`AWS gate ${gate.endpoint} in front of the emulator; refusals logged to ${gateLog}`);
    const aws = { region, endpoint: m.endpoint, credentials: SANDBOX_CREDENTIALS };
    // AWS's controller for Ingresses of class `alb`, on the emulator's ELBv2 (reached directly, as AWS's own).
    alb = new AlbController({
      aws,
      defaultDelaySeconds: albDelaySecondsFromEnv(process.env),
      progress: options.progress,
    });
    fleet = new ClusterFleet({
      controllers: alb,
      root,
      dir: path.join(options.dir, 'clusters'),
      aws,
      // EKS tokens are presigned for the sandbox's AWS endpoint, the gate, and verified there (as STS does).
      awsEndpoint: gate.endpoint,
      binary,
      readyAfterSeconds,
      kubeconfigPath: path.join(options.dir, 'kubeconfig'),
      currentContext: SANDBOX_CLUSTER,
      progress: options.progress,
      // The sandbox cluster as eksflow provisions one: its roles' access entries and RBAC (again on a new control plane).
      prepareCluster: async (name, controlPlane) => {
        if (name === SANDBOX_CLUSTER) await grantEksflowAccess(aws, name, controlPlane, { root });
      },
    });
    mkdirSync(options.dir, { recursive: true });
    await fleet.start();
    options.progress('starting the control plane of the sandbox cluster');
    await ensureSandboxClusterOn(aws, await ensureNetworkAndRole(aws));
    const controlPlane = await fleet.settled(SANDBOX_CLUSTER);
    const started = fleet;
    const startedGate = gate;
    const startedAlb = alb;
    return {
      region,
      awsEndpoint: startedGate.endpoint,
      emulatorEndpoint: m.endpoint,
      controlPlane,
      fleet: started,
      stop: async () => {
        await started.stop();
        await startedAlb.stop();
        await startedGate.close();
        await m.stop();
      },
    };
  } catch (error) {
    await fleet?.stop();
    await alb?.stop();
    await gate?.close();
    await moto?.stop();
    throw error;
  }
}

/**
 * The sandbox AWS Load Balancer Controller's default reconcile delay from `EKSFLOW_SANDBOX_ALB_DELAY_SECONDS`
 * (seconds, fractions allowed; an Ingress's `sandbox.eksflow.io/alb-reconcile-delay-seconds` overrides it);
 * unset or empty: 0. A bad value stops the start.
 */
export function albDelaySecondsFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.EKSFLOW_SANDBOX_ALB_DELAY_SECONDS?.trim();
  if (!raw) return 0;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new Error(`EKSFLOW_SANDBOX_ALB_DELAY_SECONDS must be a number of seconds >= 0, got "${raw}"`);
  return seconds;
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

/** Long enough for a TLS handshake with a local control plane on a loaded 2-core machine, short for a test's wait. */
const SANDBOX_CONNECT_TIMEOUT_MS = 3000;

/**
 * Config for the local runtime on the stack: every EKS cluster is reached the AWS way (endpoint and CA
 * from DescribeCluster: its own local control plane) with an EKS token, which the cluster authenticates through
 * its access entries; clusters get the emulator's role and subnets unless the request names its own.
 */
export async function sandboxConfig(stack: Stack, extra: Record<string, string> = {}): Promise<Config> {
  const env = stackEnv(stack);
  Object.assign(process.env, env); // the SDK's default credential chain reads these
  const aws = emulatorClientConfig(stack);
  const config = loadConfig({ ...env, LOG_LEVEL: process.env.LOG_LEVEL, ...extra });
  await ensureTable(aws, config.tableName);
  const fixtures = await ensureNetworkAndRole(aws);
  // The cluster and node roles the packaged functions pass (iam:PassRole is granted on exactly those).
  const packaged = packagedEnvironment(await packagedTemplate(REPO_ROOT), stack.region);
  return {
    ...config,
    clusterDefaults: {
      roleArn: packaged.EKSFLOW_DEFAULT_CLUSTER_ROLE_ARN || fixtures.roleArn,
      subnetIds: fixtures.subnetIds,
      nodeRoleArn: packaged.EKSFLOW_DEFAULT_NODE_ROLE_ARN || fixtures.roleArn,
    },
    // An endpoint the network model refuses fails within seconds, as a connect timeout (Lambda waits far longer).
    kubeConnectTimeoutMs: Number(extra.EKSFLOW_KUBE_CONNECT_TIMEOUT_MS ?? SANDBOX_CONNECT_TIMEOUT_MS),
    clusterPollSeconds: Number(extra.EKSFLOW_CLUSTER_POLL_SECONDS ?? 2),
    // Nothing in the sandbox takes minutes: waits stop growing at a few seconds.
    clusterPollCeilingSeconds: Number(extra.EKSFLOW_CLUSTER_POLL_CEILING_SECONDS ?? 4),
  };
}

/**
 * SDK client config for the emulator itself (fixtures, the alarm bridge): not through the AWS gate. Without an
 * endpoint it throws: the SDK would otherwise send the admin's keys to AWS's own endpoint for the region.
 */
export function emulatorClientConfig(stack: Pick<Stack, 'region' | 'emulatorEndpoint'>) {
  if (!stack.emulatorEndpoint)
    throw new Error(
      "emulatorClientConfig: the stack names no emulatorEndpoint (a stack description from before the AWS gate?); the SDK's default endpoint is AWS itself",
    );
  return { region: stack.region, endpoint: stack.emulatorEndpoint, credentials: SANDBOX_CREDENTIALS };
}

/** The `sandbox` EKS cluster on the emulator (its own control plane) with its default node group. */
export async function ensureSandboxCluster(
  stack: Pick<Stack, 'region' | 'emulatorEndpoint'>,
  config: Config,
): Promise<void> {
  const aws = emulatorClientConfig(stack);
  await ensureSandboxClusterOn(aws, {
    roleArn: present(config.clusterDefaults.roleArn, "the sandbox config's clusterDefaults.roleArn"),
    subnetIds: config.clusterDefaults.subnetIds ?? [],
  });
}

export interface Sandbox {
  stack: Stack;
  runtime: LocalRuntime;
  alarms: AlarmBridge;
  /** The dashboard at /ui/, with the session token its API calls must carry (docs/design.md). */
  dashboardUrl: string;
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
    await ensureSandboxCluster(stack, config);
    const dashboard = await sandboxDashboard(config.region, options.port);
    const runtime = await startLocalRuntime({
      prefixHandler: dashboard.handler,
      config,
      emulatorEndpoint: stack.emulatorEndpoint,
      port: options.port,
      runSchedules: true,
      progress: options.progress,
      extraHealthChecks: [
        // The dashboard page, not data.json: that one serialises every resource in the emulator.
        { name: 'aws-emulator', check: async () => void (await fetchOk(`${stack.emulatorEndpoint}/moto-api/`)) },
        {
          name: 'kubernetes',
          check: async () => {
            // API discovery, as the API function (the one answering) reaches the cluster: its role's EKS token,
            // which the cluster authenticates through its access entry; any authenticated caller may read discovery.
            const { core } = await runtime.containerFor('api').kube.forCluster(SANDBOX_CLUSTER);
            await core.getAPIResources();
          },
        },
      ],
    });
    const alarms = new AlarmBridge(new CloudWatchClient(emulatorClientConfig(stack)), runtime.deliverEvent, {
      region: config.region,
      emulatorEndpoint: stack.emulatorEndpoint,
      clockOffsetMs: () => runtime.clock.offset(),
      onError: (error) => runtime.container.logger.warn('alarm bridge poll failed', { error }),
    });
    await alarms.start();
    mkdirSync(options.dir, { recursive: true });
    writeFileSync(path.join(options.dir, 'env'), envFileText(stackEnv(stack, SANDBOX_ADMIN)));
    writeFileSync(path.join(options.dir, 'restricted.env'), envFileText(stackEnv(stack, SANDBOX_RESTRICTED)));
    dashboard.apiUrl = runtime.url;
    return {
      stack,
      runtime,
      alarms,
      dashboardUrl: `${runtime.url}${UI_PREFIX}#session=${dashboard.token}`,
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

/**
 * The dashboard of `npm start`, at /ui/ of the API's own port: the page needs the session token printed in the
 * banner, and its calls are forwarded to the API signed with the admin's keys of `.sandbox/env` (so the API still
 * checks a SigV4 signature on each of them, as it does for every other caller).
 */
async function sandboxDashboard(region: string, port: number) {
  const bundleDir = await ensureUiBundle();
  const token = newSessionToken();
  const dashboard = { token, apiUrl: '', handler: undefined as unknown as PrefixHandler };
  dashboard.handler = uiHandler({
    token,
    bundleDir,
    forward: (request) => signingForwarder(dashboard.apiUrl, { region, credentials: SANDBOX_CREDENTIALS })(request),
    allowedHosts: () => loopbackHosts(Number(new URL(dashboard.apiUrl || `http://127.0.0.1:${port}`).port)),
  });
  return dashboard;
}

async function fetchOk(url: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}
