/** A cluster's entry in `.sandbox/kubeconfig`: context, cluster and its CA share the EKS cluster's name. */
export interface KubeconfigCluster {
  name: string;
  server: string;
  caData: string;
}

/** The user every context uses: each local API server accepts the sandbox's static admin token. */
const SANDBOX_USER = 'eksflow-sandbox';

/**
 * `.sandbox/kubeconfig`: one context per cluster, named after it; `current` is the current context when
 * that cluster is there (else the first one), so `kubectl` talks to the `sandbox` cluster by default.
 */
export function kubeconfigYaml(clusters: KubeconfigCluster[], token: string, current?: string): string {
  const currentContext = clusters.some((c) => c.name === current) ? current : clusters[0]?.name;
  return [
    'apiVersion: v1',
    'kind: Config',
    clusters.length ? 'clusters:' : 'clusters: []',
    ...clusters.flatMap((c) => [
      `- name: ${c.name}`,
      '  cluster:',
      `    server: ${c.server}`,
      `    certificate-authority-data: ${c.caData}`,
    ]),
    'users:',
    `- name: ${SANDBOX_USER}`,
    '  user:',
    `    token: ${token}`,
    clusters.length ? 'contexts:' : 'contexts: []',
    ...clusters.flatMap((c) => [
      `- name: ${c.name}`,
      '  context:',
      `    cluster: ${c.name}`,
      `    user: ${SANDBOX_USER}`,
    ]),
    `current-context: ${currentContext ?? '""'}`,
    '',
  ].join('\n');
}
