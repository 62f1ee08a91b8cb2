import {
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  ListNodegroupsCommand,
  type Nodegroup,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { TransientError } from '../../kernel/errors';
import type { NodegroupSizes } from '../../scaling/domain/sizes';
import type { NodegroupApi, NodegroupInfo, UpdateStatus } from '../../scaling/ports/nodegroups';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';

/** EKS's taint effects in Kubernetes' spelling. */
const TAINT_EFFECTS: Record<string, string> = {
  NO_SCHEDULE: 'NoSchedule',
  NO_EXECUTE: 'NoExecute',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
};

export class EksNodegroupApi implements NodegroupApi {
  constructor(private readonly eks: EKSClient = new EKSClient({ ...SDK_RETRY_OFF })) {}

  async describeNodegroup(cluster: string, nodegroup: string): Promise<NodegroupInfo | undefined> {
    try {
      const out = await awsCall('EKS DescribeNodegroup', () =>
        this.eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup })),
      );
      return out.nodegroup ? toInfo(cluster, out.nodegroup) : undefined;
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async listNodegroups(cluster: string): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await awsCall('EKS ListNodegroups', () =>
        this.eks.send(new ListNodegroupsCommand({ clusterName: cluster, nextToken })),
      );
      names.push(...(out.nodegroups ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return names;
  }

  async updateScaling(cluster: string, nodegroup: string, sizes: NodegroupSizes, token: string) {
    try {
      const out = await awsCall('EKS UpdateNodegroupConfig', () =>
        this.eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName: cluster,
            nodegroupName: nodegroup,
            scalingConfig: sizes,
            clientRequestToken: token,
          }),
        ),
      );
      return { updateId: out.update?.id ?? '' };
    } catch (error) {
      // Another update of the group is still in progress: it ends on its own, so waiting and retrying helps.
      if (awsErrorName(error) === 'ResourceInUseException')
        throw new TransientError(`node group ${cluster}/${nodegroup} is being updated`, { cause: error });
      throw error;
    }
  }

  async describeUpdate(cluster: string, nodegroup: string, updateId: string) {
    const out = await awsCall('EKS DescribeUpdate', () =>
      this.eks.send(new DescribeUpdateCommand({ name: cluster, nodegroupName: nodegroup, updateId })),
    );
    return {
      status: (out.update?.status ?? 'InProgress') as UpdateStatus,
      errors: (out.update?.errors ?? []).map((e) => `${e.errorCode ?? 'Error'}: ${e.errorMessage ?? ''}`),
    };
  }
}

function toInfo(cluster: string, ng: Nodegroup): NodegroupInfo {
  return {
    cluster,
    name: ng.nodegroupName ?? '',
    status: ng.status ?? 'UNKNOWN',
    sizes: {
      minSize: ng.scalingConfig?.minSize ?? 0,
      maxSize: ng.scalingConfig?.maxSize ?? 0,
      desiredSize: ng.scalingConfig?.desiredSize ?? 0,
    },
    instanceTypes: ng.instanceTypes ?? [],
    labels: ng.labels ?? {},
    taints: (ng.taints ?? []).map((t) => ({
      key: t.key ?? '',
      ...(t.value ? { value: t.value } : {}),
      effect: TAINT_EFFECTS[t.effect ?? ''] ?? t.effect ?? '',
    })),
  };
}
