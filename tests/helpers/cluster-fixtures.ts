import { KubeClientFactory, type KubeClients } from '../../core/adapters/kube/kube-clients';
import { EksKubeConnector } from '../../core/adapters/kube/kube-connector';
import { deleteTestCluster } from './clusters';
import { api, eventually, type TestRuntime, testStack } from './stack';

/** Clusters a test file made: each has a control plane process in the sandbox until it is deleted. */
const made = new Set<string>();

/** Remembers a cluster name for deleteClustersMade. */
export function track(name: string): string {
  made.add(name);
  return name;
}

/** Deletes every cluster this test file made that still exists (afterAll), stopping its control plane. */
export async function deleteClustersMade(): Promise<void> {
  await Promise.all([...made].map((name) => deleteTestCluster(name)));
  made.clear();
}

/** Issue 9's "Must be true" spec: 2 node groups (one tainted), 3 add-ons, an access entry, 2 namespaces. */
export function fullSpec(name: string) {
  track(name);
  const suffix = name.slice(-6);
  return {
    name,
    version: '1.33',
    nodegroups: [
      {
        name: 'general',
        instanceTypes: ['m6i.large'],
        minSize: 1,
        maxSize: 4,
        desiredSize: 2,
        labels: { tier: 'general' },
      },
      {
        name: 'batch',
        instanceTypes: ['c6i.xlarge'],
        minSize: 0,
        maxSize: 3,
        desiredSize: 1,
        labels: { tier: 'batch' },
        taints: [{ key: 'dedicated', value: 'batch', effect: 'NO_SCHEDULE' as const }],
      },
    ],
    addons: [{ name: 'vpc-cni' }, { name: 'coredns', version: 'latest' }, { name: 'kube-proxy' }],
    access: [
      { principalArn: 'arn:aws:iam::123456789012:role/dev', policy: 'edit' as const, namespaces: [`team-a-${suffix}`] },
    ],
    namespaces: [
      {
        name: `team-a-${suffix}`,
        labels: { team: 'a' },
        quota: { cpu: '20', memory: '64Gi', pods: '100' },
        limitRange: { defaultCpu: '500m', defaultMemory: '512Mi' },
        networkPolicy: 'default-deny' as const,
      },
      {
        name: `team-b-${suffix}`,
        quota: { cpu: '4', memory: '8Gi', pods: '20' },
        limitRange: { defaultCpu: '250m', defaultMemory: '256Mi' },
        networkPolicy: 'default-deny' as const,
      },
    ],
  };
}

/** The operation once it is no longer Running. */
/** The steps a successful provision records, in order. */
export const PROVISION_STEPS = [
  'ControlPlaneRequested',
  'ControlPlaneActive',
  'NodegroupsAndAddonsReady',
  'AccessApplied',
  'BaselineApplied',
  'Completed',
];

export async function operationDone(runtime: TestRuntime, operationId: string, timeoutMs = 60000) {
  return eventually(
    `operation ${operationId} to end`,
    async () => {
      const { body } = await api(runtime, 'GET', `/operations/${operationId}`);
      return body?.status === 'Running' ? undefined : body;
    },
    timeoutMs,
  );
}

/**
 * Kubernetes clients of that cluster at the endpoint eksflow reaches (DescribeCluster's), as its admin (the static
 * token of `.sandbox/kubeconfig`): what a test checks is there whatever eksflow's own roles may read.
 */
export async function kubeOf(runtime: TestRuntime, cluster: string): Promise<KubeClients> {
  const noEksTokens = {
    getToken: () => Promise.reject(new Error('the admin token is used')),
    principalArn: () => Promise.reject(new Error('the admin token is used')),
  };
  const admin = { '*': { token: testStack().controlPlane.token } };
  return new KubeClientFactory(new EksKubeConnector(runtime.container.clusters, noEksTokens, admin)).forCluster(
    cluster,
  );
}
