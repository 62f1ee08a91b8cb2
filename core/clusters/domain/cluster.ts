/** What a platform team asks for when it provisions a cluster (already validated). */
export interface ClusterSpec {
  name: string;
  /** Kubernetes minor version, e.g. "1.31"; EKS picks its default when absent. */
  version?: string;
  roleArn: string;
  /** At least two subnets in different AZs, so the control plane is highly available. */
  subnetIds: string[];
  securityGroupIds: string[];
  /** Off unless asked for; when on, only `publicAccessCidrs` may reach it (never 0.0.0.0/0 by default). */
  endpointPublicAccess: boolean;
  /** The networks allowed to reach a public endpoint; empty when the endpoint is private. */
  publicAccessCidrs: string[];
  /** Always on: nodes and in-VPC clients reach the API server without leaving the VPC. */
  endpointPrivateAccess: boolean;
  /** Control-plane log types sent to CloudWatch Logs; audit is on by default. */
  logging: ControlPlaneLogType[];
  /** When given, Kubernetes Secrets are envelope-encrypted with this KMS key. */
  kmsKeyArn?: string;
  tags: Record<string, string>;
  /** Worker node groups, created after the control plane, in parallel with the add-ons. */
  nodegroups: NodegroupSpec[];
  addons: AddonSpec[];
  /** EKS access entries for people and roles (eksflow's own roles come from KubeAccess). */
  access: AccessSpec[];
  /** Namespaces created in the cluster as its baseline (eksflow-system is always added). */
  namespaces: NamespaceSpec[];
  /** What a failed run does with what it created: delete it (`rollback`) or leave it for a retry (`keep`). */
  onFailure: FailurePolicy;
}

export type FailurePolicy = 'rollback' | 'keep';
export type TaintEffect = 'NO_SCHEDULE' | 'NO_EXECUTE' | 'PREFER_NO_SCHEDULE';
export const TAINT_EFFECTS: TaintEffect[] = ['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE'];

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
}

export interface NodegroupSpec {
  name: string;
  instanceTypes: string[];
  capacityType: 'ON_DEMAND' | 'SPOT';
  amiType?: string;
  diskSize?: number;
  minSize: number;
  maxSize: number;
  desiredSize: number;
  labels: Record<string, string>;
  taints: Taint[];
  /** The cluster's subnets unless given. */
  subnetIds: string[];
  /** The deployment's default node role unless given. */
  nodeRoleArn: string;
  /** Nodes replaced at once during an update (EKS's updateConfig.maxUnavailable). */
  maxUnavailable?: number;
}

/** "latest": the newest add-on version EKS lists as compatible with the cluster's Kubernetes version. */
export const LATEST_ADDON_VERSION = 'latest';

export interface AddonSpec {
  name: string;
  version: string;
  /** JSON text, as EKS takes it. */
  configurationValues?: string;
  resolveConflicts: 'NONE' | 'OVERWRITE' | 'PRESERVE';
}

export const ACCESS_POLICIES = ['cluster-admin', 'admin', 'edit', 'view'] as const;
export type AccessPolicyName = (typeof ACCESS_POLICIES)[number];

/** EKS's managed access policies behind the spec's short names. */
export const ACCESS_POLICY_ARNS: Record<AccessPolicyName, string> = {
  'cluster-admin': 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
  admin: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy',
  edit: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
  view: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
};

export interface AccessSpec {
  principalArn: string;
  policy: AccessPolicyName;
  /** Scope of the policy; the whole cluster when absent. */
  namespaces?: string[];
}

export const NETWORK_POLICY_PRESETS = ['default-deny', 'allow-same-namespace', 'none'] as const;
export type NetworkPolicyPreset = (typeof NETWORK_POLICY_PRESETS)[number];

export interface LimitRangeSpec {
  defaultCpu?: string;
  defaultMemory?: string;
  defaultRequestCpu?: string;
  defaultRequestMemory?: string;
}

export interface NamespaceSpec {
  name: string;
  labels: Record<string, string>;
  /** ResourceQuota hard limits, e.g. {cpu: "20", memory: "64Gi", pods: "100"}. */
  quota?: Record<string, string>;
  limitRange?: LimitRangeSpec;
  networkPolicy: NetworkPolicyPreset;
  /** Pod Security Admission level the namespace enforces; `baseline` when not given. */
  podSecurity?: PodSecurityLevel;
}

/** Pod Security Standards levels a namespace may enforce (`privileged` is not offered: it enforces nothing). */
export const POD_SECURITY_LEVELS = ['baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export const CONTROL_PLANE_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];
/** Who called the API server and what they did (audit), and who signed in (authenticator): on unless declined. */
export const DEFAULT_CONTROL_PLANE_LOGS: ControlPlaneLogType[] = ['api', 'audit', 'authenticator'];

export type ClusterStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'FAILED' | 'UPDATING' | 'PENDING';

export interface ClusterInfo {
  name: string;
  status: ClusterStatus;
  arn?: string;
  version?: string;
  endpoint?: string;
  /** Base64 PEM of the cluster CA. */
  caData?: string;
  tags: Record<string, string>;
  /** Control-plane log types turned on. */
  logging?: string[];
  endpointPublicAccess?: boolean;
  publicAccessCidrs?: string[];
}

/** Tag marking a cluster eksflow created: only those may be deleted through eksflow. */
export const MANAGED_TAG = 'eksflow:managed';
/** Tag holding a digest of the baseline last applied: lets a repeated identical spec be recognised without Kubernetes. */
export const BASELINE_TAG = 'eksflow:baseline';

/**
 * eksflow's own IAM roles and what each may do inside the clusters it provisions (access entries). Absent in
 * the sandbox, where the cluster creator's access is kept.
 */
export interface KubeAccess {
  /** Applies the baseline (namespaces, RBAC): cluster admin, as RBAC allows only an admin to grant. */
  baselinePrincipalArn: string;
  /** Run rollouts: members of EKSFLOW_KUBE_GROUP, which the baseline binds in the spec's namespaces only. */
  rolloutPrincipalArns: string[];
  /**
   * Scale node groups: members of EKSFLOW_SCALING_KUBE_GROUP, which the baseline lets read pods and nodes
   * cluster-wide (fit-pending-pods, pods rescheduled by a scale-in), and nothing else.
   */
  scalingPrincipalArns: string[];
}

/** What one access entry grants: cluster admin, or membership of Kubernetes groups bound by RBAC. */
export type AccessGrant = { principalArn: string } & ({ clusterAdmin: true } | { kubernetesGroups: string[] });

/** The Kubernetes group eksflow's rollout roles belong to (deploy/rbac/eksflow-rbac.yaml binds it). */
export const EKSFLOW_KUBE_GROUP = 'eksflow';

/** The Kubernetes group eksflow's scaling roles belong to (deploy/rbac/eksflow-rbac.yaml binds it cluster-wide). */
export const EKSFLOW_SCALING_KUBE_GROUP = 'eksflow-scaling';

/**
 * One access entry per role (EKS allows one per principal): a role that both rolls out and scales (the API,
 * the alarm function) is a member of both groups.
 */
export function eksflowGroupGrants(access: KubeAccess): { principalArn: string; kubernetesGroups: string[] }[] {
  const groups = new Map<string, string[]>();
  const join = (arns: string[], group: string) => {
    for (const arn of arns) groups.set(arn, [...(groups.get(arn) ?? []), group]);
  };
  join(access.rolloutPrincipalArns, EKSFLOW_KUBE_GROUP);
  join(access.scalingPrincipalArns, EKSFLOW_SCALING_KUBE_GROUP);
  return [...groups].map(([principalArn, kubernetesGroups]) => ({ principalArn, kubernetesGroups }));
}

/** The namespace every managed cluster gets; it marks the cluster as eksflow's. */
export const SYSTEM_NAMESPACE = 'eksflow-system';
/** Tag on AWS resources naming the operation that created them: lets a retried step recognise its own work. */
export const OPERATION_TAG = 'eksflow:operation';

/** Next wait of a poll loop: doubles, never above the ceiling (keeps Step Functions transitions low). */
export function nextPollSeconds(previous: number, ceiling = 120): number {
  return Math.min(ceiling, Math.max(1, previous * 2));
}

/** Whether a cluster (as EKS describes it) was created by eksflow. */
export function isManaged(cluster: ClusterInfo): boolean {
  return cluster.tags[MANAGED_TAG] === 'true';
}
