import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CloudWatchAlarmStates } from './adapters/aws/cloudwatch-alarm-states';
import { DynamoDbVerifiedAlarmChanges } from './adapters/aws/dynamodb-verified-alarm-changes';
import { DynamoDbRolloutStore } from './adapters/aws/dynamodb-rollout-store';
import { EventBridgePublisher } from './adapters/aws/eventbridge-publisher';
import { KubeWorkloads } from './adapters/kube/kube-workloads';
import type { AlarmStates, VerifiedAlarmChanges } from './alarms/ports/alarms';
import type { EventPublisher } from './kernel/ports/events';
import type { RolloutStore } from './rollouts/ports/rollout-store';
import type { Workloads } from './rollouts/ports/workloads';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { DynamoDbOperationStore } from './adapters/aws/dynamodb-operation-store';
import { EksClusterApi } from './adapters/aws/eks-cluster-api';
import { EksTokenProvider } from './adapters/aws/eks-token';
import { SfnWorkflowStarter } from './adapters/aws/sfn-workflow-starter';
import { SDK_RETRY_OFF } from './adapters/aws/aws-call';
import { KubeClusterBaseline } from './adapters/kube/kube-baseline';
import { KubeClientFactory } from './adapters/kube/kube-clients';
import { EksKubeConnector } from './adapters/kube/kube-connector';
import type { Config } from './config';
import type { AccessPolicy } from './access/domain/policy';
import { EmfMetrics } from './adapters/aws/emf-metrics';
import { LogMetrics, noMetrics } from './adapters/local/log-metrics';
import { withOperationMetrics } from './operations/metered-operation-store';
import type { Metrics } from './metrics/ports/metrics';
import { createLogger, type Logger, SERVICE_NAME } from './kernel/logger';
import { systemClock } from './kernel/clock';
import type { ClusterApi } from './clusters/ports/cluster-api';
import type { HealthCheck } from './health/ports/health';
import type { ClusterBaseline } from './clusters/ports/kube';
import type { OperationStore } from './operations/ports/operation-store';
import type { WorkflowStarter } from './operations/ports/workflows';
import type { ClusterDeps } from './clusters/cluster-deps';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDbScalingStore } from './adapters/aws/dynamodb-scaling-store';
import { EksNodegroupApi } from './adapters/aws/eks-nodegroups';
import { EventBridgeScheduleDeployer } from './adapters/aws/eventbridge-scheduler';
import { KubeNodegroupPods } from './adapters/kube/kube-nodegroup-pods';
import type { NodegroupApi, NodegroupPods } from './scaling/ports/nodegroups';
import type { ScalingStore } from './scaling/ports/scaling-store';
import type { ScheduleDeployer } from './scaling/ports/schedule-deployer';
import { StsCallerIdentity } from './adapters/aws/sts-caller-identity';
import { KubeSelfAccessReview } from './adapters/kube/kube-access-review';
import { TlsEndpointReach } from './adapters/net/tls-reach';
import { CONNECT_TIMEOUT_MS } from './adapters/net/connect-guard';
import type { NetworkPath } from './kernel/ports/network';
import type { CallerIdentity, EndpointReach, KubeAccessReview } from './health/ports/doctor';
import type { DoctorDeps } from './health/queries/doctor';
import { DynamoDbIdempotencyStore } from './adapters/aws/dynamodb-idempotency-store';
import type { IdempotencyStore } from './idempotency/ports/idempotency';
import { aesGcmPageTokens, pageTokenKeyFrom } from './adapters/crypto/page-token';
import type { PageTokens } from './rollouts/ports/page-tokens';

/** Everything the handlers need, built once per cold start (Lambda) or once per process (local). */
export interface Container {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  clusters: ClusterApi;
  operations: OperationStore;
  workflows: WorkflowStarter;
  kube: KubeClientFactory;
  baseline: ClusterBaseline;
  rollouts: RolloutStore;
  workloads: Workloads;
  alarms: AlarmStates;
  verifiedChanges: VerifiedAlarmChanges;
  events: EventPublisher;
  healthChecks: HealthCheck[];
  /**
   * Who may do what where: loaded and validated on first use, then kept (only the API function ships and
   * reads the policy file; the task and event functions never call this).
   */
  accessPolicy: () => AccessPolicy;
  now: () => Date;
  /** eksflow's roles granted Kubernetes access in the clusters it provisions (config). */
  kubeAccess?: Config['kubeAccess'];
  /** Short in-task waits (pods becoming Ready); see RolloutDeps.sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Node-group scaling: EKS node groups, their pods, the scaling records, deployed schedules. */
  nodegroups: NodegroupApi;
  nodegroupPods: NodegroupPods;
  scaling: ScalingStore;
  scheduleDeployer: ScheduleDeployer;
  /** `eksflow doctor`: a TLS connect to an endpoint, the functions' own ARN, Kubernetes access reviews. */
  reach: EndpointReach;
  identity: CallerIdentity;
  kubeReview: KubeAccessReview;
  /** The sandbox's modelled VPC (local/sandbox/network-model.ts); absent deployed, where the network is real. */
  network?: NetworkPath;
  /** Seals and opens the API's page tokens (config.pageTokenKey). */
  pageTokens: PageTokens;
  /** The answers of keyed mutating requests (`Idempotency-Key`), kept 24 h. */
  idempotency: IdempotencyStore;
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

/** Schedules are only stored when no scheduler target is configured (the sandbox fires them itself). */
const STORED_ONLY: ScheduleDeployer = { deploy: async () => undefined, remove: async () => undefined };

/**
 * Wires the AWS adapters from config; `overrides` swaps parts (the local engine for Step Functions, test doubles).
 * `credentials`: whose keys every AWS call (and EKS token) is signed with; deployed, the function's role from the
 * environment; in the sandbox, the keys the AWS gate knows as that function's packaged role.
 */
export function buildContainer(
  config: Config,
  overrides: Partial<Container> = {},
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider = fromNodeProviderChain(),
): Container {
  const aws = awsClientConfig(config, credentials);
  const eks = new EKSClient(aws);
  const dynamodb = new DynamoDBClient(aws);
  const clusters = overrides.clusters ?? new EksClusterApi(eks);
  const tokens = new EksTokenProvider({ region: config.region, credentials, endpoint: config.awsEndpoint });
  const network = { connectTimeoutMs: config.kubeConnectTimeoutMs ?? CONNECT_TIMEOUT_MS, path: overrides.network };
  const kube =
    overrides.kube ??
    new KubeClientFactory(new EksKubeConnector(clusters, tokens, config.kubeOverrides), undefined, network);
  const healthChecks: HealthCheck[] = [
    {
      name: 'dynamodb',
      check: async () => void (await dynamodb.send(new DescribeTableCommand({ TableName: config.tableName }))),
    },
    { name: 'eks', check: async () => void (await eks.send(new ListClustersCommand({ maxResults: 1 }))) },
  ];
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const metrics = overrides.metrics ?? metricsFor(config, logger);
  return {
    config,
    logger,
    metrics,
    clusters,
    operations: withOperationMetrics(new DynamoDbOperationStore(config.tableName, dynamodb), metrics),
    workflows: new SfnWorkflowStarter(config.stateMachineArnPrefix, new SFNClient(aws)),
    kube,
    baseline: new KubeClusterBaseline(kube),
    rollouts: new DynamoDbRolloutStore(config.tableName, dynamodb),
    workloads: new KubeWorkloads(kube),
    alarms: new CloudWatchAlarmStates(new CloudWatchClient(aws)),
    verifiedChanges: new DynamoDbVerifiedAlarmChanges(config.tableName, dynamodb),
    events: new EventBridgePublisher(config.eventBusName, new EventBridgeClient(aws), logger),
    healthChecks,
    kubeAccess: config.kubeAccess,
    accessPolicy: once(() => accessPolicyFile().loadAccessPolicy(config)),
    now: systemClock.now,
    sleep: (ms: number) => systemClock.sleep(ms),
    nodegroups: new EksNodegroupApi(eks),
    nodegroupPods: new KubeNodegroupPods(kube),
    scaling: new DynamoDbScalingStore(config.tableName, dynamodb),
    scheduleDeployer: config.schedulerTarget
      ? new EventBridgeScheduleDeployer(config.schedulerTarget, new SchedulerClient(aws))
      : STORED_ONLY,
    reach: new TlsEndpointReach(network.connectTimeoutMs, network.path),
    identity: new StsCallerIdentity(aws),
    kubeReview: new KubeSelfAccessReview(kube),
    pageTokens: pageTokensOf(config),
    idempotency: new DynamoDbIdempotencyStore(config.tableName, dynamodb),
    ...overrides,
  };
}

/** Without a key a list still answers its first page; only a page token needs the key, and says so. */
function pageTokensOf(config: Config): PageTokens {
  if (config.pageTokenKey) return aesGcmPageTokens(pageTokenKeyFrom(config.pageTokenKey));
  const missing = () => {
    throw new Error('EKSFLOW_PAGE_TOKEN_KEY is not set: page tokens cannot be sealed or opened');
  };
  return { seal: missing, open: missing };
}

function metricsFor(config: Config, logger: Logger): Metrics {
  if (config.metrics === 'emf') return new EmfMetrics(SERVICE_NAME, logger);
  return config.metrics === 'log' ? new LogMetrics(logger) : noMetrics;
}

/**
 * The access policy's loader (yaml and its zod schema), required on first use: only the API reads the policy,
 * and the task and event functions should not parse that code at every cold start. In the packaged bundles
 * it is a file of its own beside the bundle (deploy/esbuild/plugins.cjs).
 */
function accessPolicyFile(): typeof import('./adapters/fs/access-policy-file') {
  return require('./adapters/fs/access-policy-file');
}

/** Computes on the first call and returns the same value afterwards. */
function once<T>(compute: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: compute() };
    return value.v;
  };
}

/** What the cluster-lifecycle use cases need, from the container (API routes and workflow tasks alike). */
export function clusterDepsOf(c: Container): ClusterDeps {
  return {
    ...c,
    clusterDefaults: c.config.clusterDefaults,
    clusterPollSeconds: c.config.clusterPollSeconds,
    clusterPollCeilingSeconds: c.config.clusterPollCeilingSeconds,
  };
}

/** What `eksflow doctor` needs, from the container; a configured token (the sandbox's) needs no access entry. */
export function doctorDepsOf(c: Container): DoctorDeps {
  return {
    ...c,
    configuredToken: (cluster) => Boolean((c.config.kubeOverrides[cluster] ?? c.config.kubeOverrides['*'])?.token),
  };
}
