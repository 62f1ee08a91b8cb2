import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClusterCommand,
  EKSClient,
  type Cluster,
} from '@aws-sdk/client-eks';
import { ConflictError } from '../../errors';
import {
  type AccessGrant,
  type ClusterInfo,
  type ClusterSpec,
  type ClusterStatus,
  OPERATION_TAG,
} from '../../domain/cluster';
import type { ClusterApi, CreateClusterOptions } from '../../ports/cluster-api';
import { awsCall, awsErrorName } from './aws-call';

/** EKS's managed access policy equal to Kubernetes' cluster-admin (for the baseline role only). */
const CLUSTER_ADMIN_POLICY_ARN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

/** What EKS envelope-encrypts with the cluster's KMS key (the only resource type it supports). */
const ENCRYPTED_RESOURCES = 'secrets';

export class EksClusterApi implements ClusterApi {
  constructor(private readonly eks: EKSClient = new EKSClient({})) {}

  async createCluster(spec: ClusterSpec, operationId: string, options?: CreateClusterOptions): Promise<void> {
    const command = new CreateClusterCommand({
      name: spec.name,
      version: spec.version,
      roleArn: spec.roleArn,
      resourcesVpcConfig: {
        subnetIds: spec.subnetIds,
        securityGroupIds: spec.securityGroupIds,
        endpointPublicAccess: spec.endpointPublicAccess,
        endpointPrivateAccess: spec.endpointPrivateAccess,
        // Always sent with a public endpoint: EKS's default for a missing list is 0.0.0.0/0.
        ...(spec.endpointPublicAccess ? { publicAccessCidrs: spec.publicAccessCidrs } : {}),
      },
      ...(spec.logging.length > 0 ? { logging: { clusterLogging: [{ types: spec.logging, enabled: true }] } } : {}),
      ...(spec.kmsKeyArn
        ? { encryptionConfig: [{ resources: [ENCRYPTED_RESOURCES], provider: { keyArn: spec.kmsKeyArn } }] }
        : {}),
      // Access entries (API) instead of the creator's implicit admin: each eksflow role gets only its grant.
      ...(options && !options.creatorIsAdmin
        ? { accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: false } }
        : {}),
      tags: { ...spec.tags, [OPERATION_TAG]: operationId, 'eksflow:managed': 'true' },
      // Same token for the same operation: EKS itself treats a retried request as the same one.
      clientRequestToken: operationId,
    });
    try {
      await awsCall('EKS CreateCluster', () => this.eks.send(command));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceInUseException') throw error;
      // A cluster of that name exists: fine if this very operation created it (a re-run step).
      const existing = await this.describeCluster(spec.name);
      if (existing?.tags[OPERATION_TAG] !== operationId) {
        throw new ConflictError(`cluster ${spec.name} already exists and was not created by operation ${operationId}`, {
          cause: error,
        });
      }
    }
  }

  async describeCluster(name: string): Promise<ClusterInfo | undefined> {
    try {
      const out = await awsCall('EKS DescribeCluster', () => this.eks.send(new DescribeClusterCommand({ name })));
      return out.cluster ? toClusterInfo(out.cluster) : undefined;
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async deleteCluster(name: string): Promise<void> {
    try {
      await awsCall('EKS DeleteCluster', () => this.eks.send(new DeleteClusterCommand({ name })));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }

  async grantAccess(cluster: string, grant: AccessGrant): Promise<void> {
    const { principalArn } = grant;
    const kubernetesGroups = 'kubernetesGroups' in grant ? grant.kubernetesGroups : undefined;
    try {
      await awsCall('EKS CreateAccessEntry', () =>
        this.eks.send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn, kubernetesGroups })),
      );
    } catch (error) {
      // Created by an earlier run of this step: the entry is there, the policy below is idempotent.
      if (awsErrorName(error) !== 'ResourceInUseException') throw error;
    }
    if ('clusterAdmin' in grant) {
      await awsCall('EKS AssociateAccessPolicy', () =>
        this.eks.send(
          new AssociateAccessPolicyCommand({
            clusterName: cluster,
            principalArn,
            policyArn: CLUSTER_ADMIN_POLICY_ARN,
            accessScope: { type: 'cluster' },
          }),
        ),
      );
    }
  }
}

function toClusterInfo(cluster: Cluster): ClusterInfo {
  return {
    name: cluster.name ?? '',
    status: (cluster.status ?? 'PENDING') as ClusterStatus,
    arn: cluster.arn,
    version: cluster.version,
    endpoint: cluster.endpoint,
    caData: cluster.certificateAuthority?.data,
    tags: cluster.tags ?? {},
  };
}
