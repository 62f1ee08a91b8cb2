import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClusterCommand,
  EKSClient,
  type Cluster,
} from '@aws-sdk/client-eks';
import { ConflictError } from '../../errors';
import { OPERATION_TAG, type ClusterInfo, type ClusterSpec, type ClusterStatus } from '../../domain/cluster';
import type { ClusterApi } from '../../ports/cluster-api';
import { awsCall, awsErrorName } from './aws-call';

/** What EKS envelope-encrypts with the cluster's KMS key (the only resource type it supports). */
const ENCRYPTED_RESOURCES = 'secrets';

export class EksClusterApi implements ClusterApi {
  constructor(private readonly eks: EKSClient = new EKSClient({})) {}

  async createCluster(spec: ClusterSpec, operationId: string): Promise<void> {
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
