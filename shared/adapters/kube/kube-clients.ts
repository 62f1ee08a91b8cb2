import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { KubeConnection, KubeConnector } from '../../ports/kube';

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
}

export function kubeConfigFor(cluster: string, connection: KubeConnection): KubeConfig {
  const config = new KubeConfig();
  // client-node refuses an http:// server unless TLS verification is off; plain HTTP has no TLS to verify
  // (the chaos tests' fault proxy is one). An https:// server is always verified against its CA.
  const plainHttp = connection.server.startsWith('http://');
  config.loadFromOptions({
    clusters: [{ name: cluster, server: connection.server, caData: connection.caData, skipTLSVerify: plainHttp }],
    users: [{ name: 'eksflow', token: connection.token }],
    contexts: [{ name: cluster, cluster, user: 'eksflow' }],
    currentContext: cluster,
  });
  return config;
}

/** Typed clients per cluster, rebuilt only when the connection (e.g. the token) changes. */
export class KubeClientFactory {
  private readonly cache = new Map<string, { key: string; clients: KubeClients }>();

  constructor(private readonly connector: KubeConnector) {}

  async forCluster(cluster: string): Promise<KubeClients> {
    const connection = await this.connector.connect(cluster);
    const key = `${connection.server}|${connection.token}|${connection.caData ?? ''}`;
    const cached = this.cache.get(cluster);
    if (cached?.key === key) return cached.clients;
    const config = kubeConfigFor(cluster, connection);
    const clients = { core: config.makeApiClient(CoreV1Api), apps: config.makeApiClient(AppsV1Api) };
    this.cache.set(cluster, { key, clients });
    return clients;
  }
}
