import { CreateNodegroupCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { awsClientConfig, uniqueName } from './stack';

/** The emulator's tag that sets how long a node group's updates stay InProgress (tools/moto/eks_nodegroup_updates.py). */
export const UPDATE_SECONDS_TAG = 'eksflow.emulator/update-seconds';

export interface NodegroupFixture {
  cluster: string;
  name: string;
}

/** A node group on the emulator's `sandbox` cluster, made directly (not through eksflow). */
export async function createNodegroup(
  options: {
    minSize?: number;
    maxSize?: number;
    desiredSize?: number;
    instanceTypes?: string[];
    labels?: Record<string, string>;
    taints?: { key: string; value?: string; effect: 'NO_SCHEDULE' | 'NO_EXECUTE' | 'PREFER_NO_SCHEDULE' }[];
    updateSeconds?: number;
  } = {},
): Promise<NodegroupFixture> {
  const name = uniqueName('ng');
  await eks().send(
    new CreateNodegroupCommand({
      clusterName: 'sandbox',
      nodegroupName: name,
      nodeRole: 'arn:aws:iam::123456789012:role/eksflow-test-nodes',
      subnets: ['subnet-test'],
      scalingConfig: {
        minSize: options.minSize ?? 1,
        maxSize: options.maxSize ?? 10,
        desiredSize: options.desiredSize ?? 2,
      },
      instanceTypes: options.instanceTypes ?? ['m6i.large'],
      labels: options.labels,
      taints: options.taints,
      tags: { [UPDATE_SECONDS_TAG]: String(options.updateSeconds ?? 1) },
    }),
  );
  return { cluster: 'sandbox', name };
}

export async function emulatorNodegroup(ng: NodegroupFixture) {
  const out = await eks().send(new DescribeNodegroupCommand({ clusterName: ng.cluster, nodegroupName: ng.name }));
  return { status: out.nodegroup?.status, ...out.nodegroup?.scalingConfig };
}

function eks() {
  return new EKSClient(awsClientConfig());
}
