/** What a platform team asks for when it provisions a cluster (already validated). */
export interface ClusterSpec {
  name: string;
  /** Kubernetes minor version, e.g. "1.31"; EKS picks its default when absent. */
  version?: string;
  roleArn: string;
  /** At least two subnets in different AZs, so the control plane is highly available. */
  subnetIds: string[];
  securityGroupIds: string[];
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  /** Namespaces created in the cluster as its baseline (eksflow-system is always added). */
  namespaces: string[];
  tags: Record<string, string>;
}

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

/** The namespace every managed cluster gets; it marks the cluster as eksflow's. */
export const SYSTEM_NAMESPACE = 'eksflow-system';
/** Tag on AWS resources naming the operation that created them: lets a retried step recognise its own work. */
export const OPERATION_TAG = 'eksflow:operation';

/** Next wait of a poll loop: doubles, never above the ceiling (keeps Step Functions transitions low). */
export function nextPollSeconds(previous: number, ceiling = 120): number {
  return Math.min(ceiling, Math.max(1, previous * 2));
}
