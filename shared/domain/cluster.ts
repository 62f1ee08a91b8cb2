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
  /** Namespaces created in the cluster as its baseline (eksflow-system is always added). */
  namespaces: string[];
  tags: Record<string, string>;
}

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
}

/**
 * eksflow's own IAM roles and what each may do inside the clusters it provisions (access entries). Absent in
 * the sandbox, where the cluster creator's access is kept.
 */
export interface KubeAccess {
  /** Applies the baseline (namespaces, RBAC): cluster admin, as RBAC allows only an admin to grant. */
  baselinePrincipalArn: string;
  /** Run rollouts: members of EKSFLOW_KUBE_GROUP, which the baseline binds in the spec's namespaces only. */
  rolloutPrincipalArns: string[];
}

/** What one access entry grants: cluster admin, or membership of Kubernetes groups bound by RBAC. */
export type AccessGrant = { principalArn: string } & ({ clusterAdmin: true } | { kubernetesGroups: string[] });

/** The Kubernetes group eksflow's rollout roles belong to (deploy/rbac/eksflow-rbac.yaml binds it). */
export const EKSFLOW_KUBE_GROUP = 'eksflow';

/** The namespace every managed cluster gets; it marks the cluster as eksflow's. */
export const SYSTEM_NAMESPACE = 'eksflow-system';
/** Tag on AWS resources naming the operation that created them: lets a retried step recognise its own work. */
export const OPERATION_TAG = 'eksflow:operation';

/** Next wait of a poll loop: doubles, never above the ceiling (keeps Step Functions transitions low). */
export function nextPollSeconds(previous: number, ceiling = 120): number {
  return Math.min(ceiling, Math.max(1, previous * 2));
}
