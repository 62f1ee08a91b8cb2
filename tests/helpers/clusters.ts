import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  type CreateNodegroupCommandInput,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeClusterCommand,
  EKSClient,
  ListNodegroupsCommand,
} from '@aws-sdk/client-eks';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeApiClient, kubeConfigFor } from '../../core/adapters/kube/kube-clients';
import { REPO_ROOT } from '../../local/runtime';
import { ensureNetworkAndRole } from '../../local/sandbox/aws-fixtures';
import { grantEksflowAccess, waitForActive } from '../../local/sandbox/sandbox-cluster';
import { defined } from './defined';
import { awsClientConfig, eventually, testStack } from './stack';

export const eks = () => new EKSClient(awsClientConfig());

/** Clients for a cluster's own API server, found the AWS way (DescribeCluster's endpoint and CA). */
export async function kubeOf(cluster: string): Promise<{ core: CoreV1Api; apps: AppsV1Api; config: KubeConfig }> {
  const described = (await eks().send(new DescribeClusterCommand({ name: cluster }))).cluster;
  if (!described?.endpoint) throw new Error(`cluster ${cluster} has no endpoint (status ${described?.status})`);
  const config = kubeConfigFor(cluster, {
    server: described.endpoint,
    caData: described.certificateAuthority?.data,
    token: testStack().controlPlane.token,
  });
  return { core: kubeApiClient(config, CoreV1Api), apps: kubeApiClient(config, AppsV1Api), config };
}

export type TestNodegroup = Omit<CreateNodegroupCommandInput, 'clusterName' | 'nodeRole' | 'subnets'>;

/** A cluster on the emulator (its own control plane), ACTIVE, with these node groups' Nodes Ready. */
export async function createTestCluster(
  name: string,
  nodegroups: TestNodegroup[] = [],
  options: { tags?: Record<string, string> } = {},
): Promise<void> {
  const fixtures = await ensureNetworkAndRole(awsClientConfig());
  const client = eks();
  await client.send(
    new CreateClusterCommand({
      name,
      roleArn: fixtures.roleArn,
      resourcesVpcConfig: { subnetIds: fixtures.subnetIds },
      tags: options.tags,
    }),
  );
  await waitForActive(client, name);
  for (const group of nodegroups) {
    await client.send(
      new CreateNodegroupCommand({
        clusterName: name,
        nodeRole: fixtures.roleArn,
        subnets: fixtures.subnetIds,
        ...group,
      }),
    );
  }
  const wanted = nodegroups.reduce((sum, g) => sum + (g.scalingConfig?.desiredSize ?? 0), 0);
  await waitForNodes(name, wanted);
}

/**
 * Gives eksflow's roles on a cluster made directly on the emulator what a cluster eksflow provisions gives them
 * (access entries, RBAC), as the `sandbox` cluster has them: without it, the cluster refuses eksflow, as EKS would.
 */
export async function grantEksflowAccessOn(cluster: string): Promise<void> {
  const described = (await eks().send(new DescribeClusterCommand({ name: cluster }))).cluster;
  const admin = {
    server: defined(described?.endpoint, `the endpoint of cluster ${cluster}`),
    caData: described?.certificateAuthority?.data,
    token: testStack().controlPlane.token,
  };
  await grantEksflowAccess(awsClientConfig(), cluster, admin, { root: REPO_ROOT });
}

/** Waits until the cluster has `count` Nodes (of node groups matching `labelSelector`, if given). */
export async function waitForNodes(cluster: string, count: number, labelSelector?: string) {
  const { core } = await kubeOf(cluster);
  return eventually(`${count} nodes in ${cluster}`, async () => {
    const { items } = await core.listNode({ labelSelector });
    return items.length === count ? items : undefined;
  });
}

/** Deletes the node groups, then the cluster, and waits until EKS no longer knows it. Safe on a missing cluster. */
export async function deleteTestCluster(name: string): Promise<void> {
  const client = eks();
  const groups = await client.send(new ListNodegroupsCommand({ clusterName: name })).catch(() => undefined);
  if (!groups) return;
  for (const nodegroupName of groups.nodegroups ?? []) {
    await client.send(new DeleteNodegroupCommand({ clusterName: name, nodegroupName }));
  }
  // Retried while EKS still counts node groups that are being deleted (ResourceInUseException).
  await eventually(`DeleteCluster ${name}`, async () =>
    client.send(new DeleteClusterCommand({ name })).then(
      () => true,
      (error) => (error.name === 'ResourceNotFoundException' ? true : undefined),
    ),
  );
  await eventually(`cluster ${name} gone`, async () =>
    client.send(new DescribeClusterCommand({ name })).then(
      () => undefined,
      (error) => (error.name === 'ResourceNotFoundException' ? true : undefined),
    ),
  );
}

/**
 * The pids of the control plane processes of a cluster (the binary, not its tied shell): the fleet links
 * `<clusters dir>/<cluster>` to the state directory its process was started with (`--dir`). Read from the
 * process table and the links because the test stack runs in another process.
 */
export function controlPlanePids(cluster: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').flatMap((line) => {
    const [, pid, args = ''] = line.trim().match(/^(\d+)\s+(.*)$/) ?? [];
    const dir = /\/kube-control-plane-[0-9a-f]+ --dir (\S+)/.exec(args)?.[1];
    if (!pid || !dir || args.startsWith('sh ')) return [];
    return linkTarget(path.join(path.dirname(dir), cluster)) === dir ? [Number(pid)] : [];
  });
}

/** Where a symlink points (resolved beside it), or undefined when there is none: read, never followed, so a
 * directory removed meanwhile is no error. */
function linkTarget(link: string): string | undefined {
  try {
    return path.resolve(path.dirname(link), readlinkSync(link));
  } catch {
    return undefined;
  }
}

/** Whether a process still exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
