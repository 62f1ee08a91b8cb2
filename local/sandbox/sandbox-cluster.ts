import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { V1ClusterRoleBinding } from '@kubernetes/client-node';
import { EksClusterApi } from '../../core/adapters/aws/eks-cluster-api';
import { KubeClusterBaseline } from '../../core/adapters/kube/kube-baseline';
import { kubeCall, kubeStatus } from '../../core/adapters/kube/kube-call';
import { KubeClientFactory } from '../../core/adapters/kube/kube-clients';
import {
  EKSFLOW_KUBE_GROUP,
  EKSFLOW_SCALING_KUBE_GROUP,
  eksflowGroupGrants,
  type KubeAccess,
} from '../../core/clusters/domain/cluster';
import { ROLLOUT_RBAC_NAME } from '../../core/clusters/domain/eksflow-rbac';
import type { KubeConnection } from '../../core/clusters/ports/kube';
import { present } from '../../core/kernel/invariant';
import { functionRoles, packagedKubeAccess, packagedTemplate } from '../../tools/aws-gate/packaged-roles';
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
    return present(created.Role?.Arn, "the created node role's ARN");
  } finally {
    iam.destroy();
  }
}

/**
 * eksflow's roles as the packaged template names them for Kubernetes access (packagedKubeAccess: the same list the
 * runtime's config gets), resolved for the emulator's account as GetCallerIdentity tells it.
 */
export async function sandboxKubeAccess(aws: AwsClientConfig, root: string): Promise<KubeAccess> {
  const sts = new STSClient(aws);
  try {
    const { Account } = await sts.send(new GetCallerIdentityCommand({}));
    const roles = functionRoles(await packagedTemplate(root), { region: aws.region, account: Account });
    return packagedKubeAccess(roles);
  } finally {
    sts.destroy();
  }
}

/**
 * What a cluster eksflow provisions gives eksflow's roles (provisioning's applyAccess and applyBaseline), on a
 * sandbox cluster made another way (the `sandbox` cluster, a test's cluster): the baseline role cluster admin, the
 * rollout roles the `eksflow` group and the scaling roles `eksflow-scaling` (one entry per role), and the RBAC
 * those groups need. One difference: the rollout group is bound in every namespace (a ClusterRoleBinding), since
 * such a cluster has no spec listing its namespaces and people roll out wherever they created a Deployment.
 * Idempotent. `admin` is the cluster's static admin token; `kubeAccess` the sandbox config's when set, else derived
 * from the packaged template (sandboxKubeAccess).
 */
export async function grantEksflowAccess(
  aws: AwsClientConfig,
  cluster: string,
  admin: KubeConnection,
  options: { root: string; kubeAccess?: KubeAccess },
): Promise<void> {
  const access = options.kubeAccess ?? (await sandboxKubeAccess(aws, options.root));
  const eks = new EKSClient(aws);
  try {
    const clusters = new EksClusterApi(eks);
    await clusters.grantAccess(cluster, { principalArn: access.baselinePrincipalArn, clusterAdmin: true });
    for (const grant of eksflowGroupGrants(access)) await clusters.grantAccess(cluster, grant);
  } finally {
    eks.destroy();
  }
  const kube = new KubeClientFactory({ connect: async () => admin });
  const baseline = new KubeClusterBaseline(kube);
  await baseline.ensureRolloutAccess(cluster, EKSFLOW_KUBE_GROUP, []);
  await baseline.ensureScalingAccess(cluster, EKSFLOW_SCALING_KUBE_GROUP);
  const { rbac } = await kube.forCluster(cluster);
  const binding: V1ClusterRoleBinding = {
    metadata: { name: ROLLOUT_RBAC_NAME, labels: { 'app.kubernetes.io/managed-by': 'eksflow' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLLOUT_RBAC_NAME },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: EKSFLOW_KUBE_GROUP }],
  };
  await kubeCall(`create clusterrolebinding ${ROLLOUT_RBAC_NAME}`, () =>
    rbac.createClusterRoleBinding({ body: binding }),
  ).catch((error) => {
    if (kubeStatus(error) !== 409) throw error;
  });
}
