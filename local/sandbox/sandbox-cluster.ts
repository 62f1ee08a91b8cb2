import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { AwsFixtures } from './aws-fixtures';

export const SANDBOX_CLUSTER = 'sandbox';
/**
 * The `sandbox` cluster's node group: 3 × m5.24xlarge is 2,211 pods and 288 vCPU, far more than the
 * rollout tests run at once (~60 pods in the storm tests, none with large requests), so nothing that
 * scheduled on yesterday's simulator waits for room today.
 */
export const SANDBOX_NODEGROUP = {
  nodegroupName: 'sandbox-default',
  instanceTypes: ['m5.24xlarge'],
  scalingConfig: { minSize: 1, maxSize: 10, desiredSize: 3 },
};
/** How long a new cluster may take to become ACTIVE (its control plane starts in a few seconds). */
const ACTIVE_TIMEOUT_MS = 120_000;

type AwsClientConfig = {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

/**
 * The `sandbox` EKS cluster on the emulator with its default node group; waits until it is ACTIVE
 * (its control plane runs) and its node group exists. Idempotent: an existing cluster or group is kept.
 */
export async function ensureSandboxClusterOn(aws: AwsClientConfig, fixtures: AwsFixtures): Promise<void> {
  const eks = new EKSClient(aws);
  try {
    const exists = await eks.send(new DescribeClusterCommand({ name: SANDBOX_CLUSTER })).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await eks.send(
        new CreateClusterCommand({
          name: SANDBOX_CLUSTER,
          roleArn: fixtures.roleArn,
          resourcesVpcConfig: { subnetIds: fixtures.subnetIds },
          tags: { 'eksflow:managed': 'true' },
        }),
      );
    }
    await waitForActive(eks, SANDBOX_CLUSTER);
    const group = await eks
      .send(
        new DescribeNodegroupCommand({ clusterName: SANDBOX_CLUSTER, nodegroupName: SANDBOX_NODEGROUP.nodegroupName }),
      )
      .catch(() => undefined);
    if (group) return;
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: SANDBOX_CLUSTER,
        ...SANDBOX_NODEGROUP,
        nodeRole: await ensureNodeRole(aws),
        subnets: fixtures.subnetIds,
      }),
    );
  } finally {
    eks.destroy();
  }
}

export async function waitForActive(eks: EKSClient, name: string, timeoutMs = ACTIVE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
    if (cluster?.status === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`cluster ${name} is still ${cluster?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The node role of the sandbox's node groups (EKS requires one; the emulator only records it). */
async function ensureNodeRole(aws: AwsClientConfig): Promise<string> {
  const iam = new IAMClient(aws);
  const roleName = 'eksflow-sandbox-node';
  try {
    const role = await iam.send(new GetRoleCommand({ RoleName: roleName })).catch(() => undefined);
    if (role?.Role?.Arn) return role.Role.Arn;
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    return created.Role!.Arn!;
  } finally {
    iam.destroy();
  }
}
