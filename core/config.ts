import { randomBytes } from 'node:crypto';
import type { KubeAccess } from './clusters/domain/cluster';
import type { LogLevel } from './kernel/logger';

/**
 * A cluster whose Kubernetes API is reached at a fixed place instead of through DescribeCluster (a fault proxy in
 * tests), or with a fixed token instead of an EKS token, or both. Without `server`, endpoint and CA come from
 * DescribeCluster; without `token`, the caller presents its EKS token.
 */
export interface KubeEndpointOverride {
  server?: string;
  /** Base64 PEM bundle of the CA that signed the server's certificate. */
  caData?: string;
  token?: string;
}

export interface Config {
  region: string;
  /** Custom AWS endpoint (the emulator); undefined means the real AWS endpoints. */
  awsEndpoint?: string;
  tableName: string;
  /** Prefix of the state machine ARNs; the workflow name completes it (no CloudFormation cycle). */
  stateMachineArnPrefix: string;
  eventBusName: string;
  /** Keyed by cluster name; `*` applies to every cluster. */
  kubeOverrides: Record<string, KubeEndpointOverride>;
  /** How long a connection to a cluster's endpoint may take to open (EKSFLOW_KUBE_CONNECT_TIMEOUT_MS; short in the sandbox). */
  kubeConnectTimeoutMs?: number;
  /** Set once by a platform team: the cluster role, subnets and node role of specs that name none. */
  clusterDefaults: { roleArn?: string; subnetIds?: string[]; nodeRoleArn?: string; securityGroupIds?: string[] };
  /** eksflow's roles granted Kubernetes access in the clusters it provisions; unset in the sandbox. */
  kubeAccess?: KubeAccess;
  /** First wait of the provisioning poll loop; the workflow doubles it up to a ceiling. */
  clusterPollSeconds: number;
  /** Longest wait of the cluster poll loops (EKSFLOW_CLUSTER_POLL_CEILING_SECONDS; default 240 s in the use cases). */
  clusterPollCeilingSeconds?: number;
  /**
   * How long a Running cluster operation whose run is not found is left alone by the sweep (it may be starting);
   * EKSFLOW_ABANDONED_RUN_GRACE_SECONDS, default ABANDONED_RUN_GRACE_SECONDS in the use case.
   */
  abandonedRunGraceSeconds?: number;
  /**
   * Where metrics go: `emf` (CloudWatch Embedded Metric Format lines, deployed), `log` (log lines: the
   * default with an emulator endpoint, where nothing reads EMF), `off`.
   */
  metrics: 'emf' | 'log' | 'off';
  logLevel: LogLevel;
  /** The access policy deployed with the stack (README: "Access policy"); relative to the function's root. */
  accessPolicyFile: string;
  /**
   * The deployed access policy itself (EKSFLOW_ACCESS_POLICY, YAML or JSON), written at package time from the
   * deploy parameters (deploy/access-policy.cjs); when set it is the policy and no file is read.
   */
  accessPolicyText?: string;
  /**
   * Where deployed schedules invoke the scaling function (EventBridge Scheduler): its ARN, the role the
   * scheduler assumes, the schedule group. Unset: schedules are only stored (the sandbox fires them itself).
   */
  schedulerTarget?: { functionArn: string; roleArn: string; groupName: string; deadLetterArn?: string };
  /**
   * The secret the API's page-token key is derived from (EKSFLOW_PAGE_TOKEN_KEY, at least 32 characters; deployed,
   * the stack's Secrets Manager secret, serverless.yml PageTokenSecret). With an emulator endpoint and no key (the sandbox, tests) a fresh one per start: tokens are only
   * good while the process that issued them runs, which is all a page token needs.
   */
  pageTokenKey?: string;
}

/** Where the bundled access policy lies when EKSFLOW_ACCESS_POLICY_FILE names no other file. */
export const DEFAULT_ACCESS_POLICY_FILE = 'config/access-policy.yaml';

type Env = Record<string, string | undefined>;

/** The only place that reads the environment; called once per cold start by the composition root. */
export function loadConfig(env: Env = process.env): Config {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return {
    region,
    awsEndpoint: env.AWS_ENDPOINT_URL || undefined,
    tableName: env.EKSFLOW_TABLE ?? 'eksflow',
    stateMachineArnPrefix:
      env.EKSFLOW_STATE_MACHINE_ARN_PREFIX ?? `arn:aws:states:${region}:000000000000:stateMachine:eksflow-`,
    eventBusName: env.EKSFLOW_EVENT_BUS ?? 'default',
    kubeOverrides: parseJson(env.EKSFLOW_KUBE_OVERRIDES, 'EKSFLOW_KUBE_OVERRIDES') ?? {},
    kubeConnectTimeoutMs: env.EKSFLOW_KUBE_CONNECT_TIMEOUT_MS ? Number(env.EKSFLOW_KUBE_CONNECT_TIMEOUT_MS) : undefined,
    clusterDefaults: {
      roleArn: env.EKSFLOW_DEFAULT_CLUSTER_ROLE_ARN || undefined,
      subnetIds: env.EKSFLOW_DEFAULT_SUBNET_IDS
        ? env.EKSFLOW_DEFAULT_SUBNET_IDS.split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
      nodeRoleArn: env.EKSFLOW_DEFAULT_NODE_ROLE_ARN || undefined,
      // The stack's group that lets the functions reach a new cluster's API (443): added to every cluster's.
      securityGroupIds: env.EKSFLOW_CLUSTER_SECURITY_GROUP_IDS
        ? listOf(env.EKSFLOW_CLUSTER_SECURITY_GROUP_IDS)
        : undefined,
    },
    kubeAccess: env.EKSFLOW_BASELINE_PRINCIPAL_ARN
      ? {
          baselinePrincipalArn: env.EKSFLOW_BASELINE_PRINCIPAL_ARN,
          rolloutPrincipalArns: listOf(env.EKSFLOW_ROLLOUT_PRINCIPAL_ARNS),
          scalingPrincipalArns: listOf(env.EKSFLOW_SCALING_PRINCIPAL_ARNS),
        }
      : undefined,
    clusterPollSeconds: Number(env.EKSFLOW_CLUSTER_POLL_SECONDS ?? 30),
    clusterPollCeilingSeconds: env.EKSFLOW_CLUSTER_POLL_CEILING_SECONDS
      ? Number(env.EKSFLOW_CLUSTER_POLL_CEILING_SECONDS)
      : undefined,
    abandonedRunGraceSeconds: env.EKSFLOW_ABANDONED_RUN_GRACE_SECONDS
      ? Number(env.EKSFLOW_ABANDONED_RUN_GRACE_SECONDS)
      : undefined,
    metrics: metricsSink(env.EKSFLOW_METRICS, env.AWS_ENDPOINT_URL),
    logLevel: (env.LOG_LEVEL as LogLevel) ?? 'info',
    accessPolicyFile: env.EKSFLOW_ACCESS_POLICY_FILE || DEFAULT_ACCESS_POLICY_FILE,
    accessPolicyText: env.EKSFLOW_ACCESS_POLICY || undefined,
    pageTokenKey: env.EKSFLOW_PAGE_TOKEN_KEY || (env.AWS_ENDPOINT_URL ? randomBytes(32).toString('base64') : undefined),
    schedulerTarget:
      env.EKSFLOW_SCHEDULER_TARGET_ARN && env.EKSFLOW_SCHEDULER_ROLE_ARN
        ? {
            functionArn: env.EKSFLOW_SCHEDULER_TARGET_ARN,
            roleArn: env.EKSFLOW_SCHEDULER_ROLE_ARN,
            groupName: env.EKSFLOW_SCHEDULER_GROUP || 'default',
            deadLetterArn: env.EKSFLOW_SCHEDULER_DLQ_ARN || undefined,
          }
        : undefined,
  };
}

function metricsSink(value: string | undefined, awsEndpoint: string | undefined): Config['metrics'] {
  if (value === 'emf' || value === 'log' || value === 'off') return value;
  if (value) throw new Error(`EKSFLOW_METRICS must be emf, log or off, not ${value}`);
  return awsEndpoint ? 'log' : 'emf';
}

function listOf(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseJson<T>(text: string | undefined, name: string): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${name} is not valid JSON`, { cause: error });
  }
}
