import type { AccessPolicy } from '../access/domain/policy';
import type { KubeClientFactory } from '../adapters/kube/kube-clients';
import type { AlarmStates, VerifiedAlarmChanges } from '../alarms/ports/alarms';
import type { ClusterApi } from '../clusters/ports/cluster-api';
import type { ClusterBaseline } from '../clusters/ports/kube';
import type { Config } from '../config';
import type { CallerIdentity, EndpointReach, KubeAccessReview } from '../health/ports/doctor';
import type { HealthCheck } from '../health/ports/health';
import type { IdempotencyStore } from '../idempotency/ports/idempotency';
import type { Logger } from '../kernel/logger';
import type { EventPublisher } from '../kernel/ports/events';
import type { NetworkPath } from '../kernel/ports/network';
import type { Metrics } from '../metrics/ports/metrics';
import type { OperationStore } from '../operations/ports/operation-store';
import type { WorkflowStarter } from '../operations/ports/workflows';
import type { MetricData } from '../rollouts/ports/metric-data';
import type { PageTokens } from '../rollouts/ports/page-tokens';
import type { RolloutStore } from '../rollouts/ports/rollout-store';
import type { Ingresses, LoadBalancers } from '../rollouts/ports/traffic';
import type { Workloads } from '../rollouts/ports/workloads';
import type { NodegroupApi, NodegroupPods } from '../scaling/ports/nodegroups';
import type { ScalingStore } from '../scaling/ports/scaling-store';
import type { ScheduleDeployer } from '../scaling/ports/schedule-deployer';

/**
 * Every port of every function, by name. Types only: a function wires the part it uses (core/wiring/*.ts, one
 * module per technology); the sandbox and the tests build all of it (core/composition-root.ts).
 */
export interface Container {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  clusters: ClusterApi;
  operations: OperationStore;
  workflows: WorkflowStarter;
  kube: KubeClientFactory;
  /** ALB canaries: the Ingress carrying the weights (through `kube`), and ELBv2 read back. */
  ingresses: Ingresses;
  loadBalancers: LoadBalancers;
  baseline: ClusterBaseline;
  rollouts: RolloutStore;
  workloads: Workloads;
  alarms: AlarmStates;
  /** Metric analysis: CloudWatch GetMetricData. */
  metricData: MetricData;
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
