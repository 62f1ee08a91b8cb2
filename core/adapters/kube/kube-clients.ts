import type { Agent, AgentOptions } from 'node:https';
import type {
  ApiConstructor,
  ApiType,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  Middleware,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  ResponseContext,
  SecurityAuthentication,
} from '@kubernetes/client-node';
import type { KubeConnection, KubeConnector } from '../../clusters/ports/kube';
import { ClusterAccessError } from '../../kernel/errors';
import type { NetworkPath } from '../../kernel/ports/network';
import { CONNECT_TIMEOUT_MS, type ConnectOptions, guardConnections } from '../net/connect-guard';
import { KUBE_REQUEST_TIMEOUT_MS } from './kube-call';

/**
 * client-node, loaded on first use rather than at module load: it is most of each bundle, and the
 * invocations that never talk to Kubernetes (the API's reads, the provisioning steps but the baseline)
 * should not pay for running it at cold start. esbuild keeps it in the bundle but runs it only when this
 * is first called; `./client-node` names the few parts we use, so the rest is left out of the bundle.
 */
function clientNode(): typeof import('./client-node') {
  return require('./client-node');
}

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  /** The provisioning baseline's RBAC only. */
  rbac: RbacAuthorizationV1Api;
  /** Any kind by server-side apply (the provisioning baseline). */
  objects: KubernetesObjectApi;
  /** Ingresses (ALB canaries' weights). */
  networking: NetworkingV1Api;
}

export function kubeConfigFor(cluster: string, connection: KubeConnection): KubeConfig {
  const config = new (clientNode().KubeConfig)();
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

/**
 * Gives every request its own deadline: client-node 1.4 passes the request context's signal to
 * node-fetch, which then aborts the request, and the reading of its body, when the time is up.
 */
export function requestTimeout(timeoutMs: number): Middleware {
  return {
    pre: async (context) => {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      return context;
    },
    post: async (response) => response,
  };
}

/**
 * Turns the cluster's refusal of eksflow's identity into a ClusterAccessError naming the principal and the cluster:
 * 401 (EKS knows no access entry for it) and 403 (RBAC forbids the call, the API server's message says which).
 */
export function refusals(cluster: string, principal: () => Promise<string | undefined>): Middleware {
  return {
    pre: async (context) => context,
    post: async (response) => {
      const status = response.httpStatusCode;
      if (status !== 401 && status !== 403) return response;
      const who = (await principal()) ?? "eksflow's identity";
      const said = await statusMessage(response);
      const reason =
        status === 401
          ? `no EKS access entry for ${who} on cluster ${cluster} (Kubernetes answered 401)`
          : `Kubernetes RBAC on cluster ${cluster} does not let ${who} do this (403: ${said})`;
      throw new ClusterAccessError(`cluster ${cluster} refused ${who}: ${reason}`, {
        kubernetesStatus: status,
        details: [{ field: 'cluster', reason }],
      });
    },
  };
}

async function statusMessage(response: ResponseContext): Promise<string> {
  const body = await response.body.text().catch(() => '');
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}

/**
 * The config's authentication (token, CA) with one keep-alive agent for all of its clients' requests. client-node
 * 1.4 (KubeConfig.applySecurityAuthentication) gives each request an agent of its own, so every Kubernetes call
 * opened a connection and made a TLS handshake: a Lambda paid them on each call, and they were most of the
 * network work of a test run's profile. The agent's connections get the connect timeout (a dropped connect
 * otherwise waits for the whole request timeout, and the error names no endpoint) as the agent is made.
 */
export function pooledAuthentication(config: KubeConfig, connect: ConnectOptions): SecurityAuthentication {
  return {
    getName: () => config.getName(),
    applySecurityAuthentication: async (context) => {
      await config.applySecurityAuthentication(context);
      const made = context.getAgent();
      if (!made) return;
      let pooled = pools.get(config);
      if (!pooled) {
        // Same class (https, or http for a plain-HTTP server) and options (CA, TLS settings) as the config's.
        const options = (made as unknown as { options: AgentOptions }).options;
        pooled = new (made.constructor as new (options: AgentOptions) => Agent)({ ...options, keepAlive: true });
        guardConnections(pooled, connect);
        pools.set(config, pooled);
      }
      context.setAgent(pooled);
    },
  };
}

/** One pool per config: the clients of one cluster connection (core, apps, ...) share it. */
const pools = new WeakMap<KubeConfig, Agent>();

/**
 * What `KubeConfig.makeApiClient` builds (same server, same authentication: the config applies token and CA to
 * each request), with one pool of connections, the request and connect timeouts and any other middleware.
 */
export function kubeApiClient<T extends ApiType>(
  config: KubeConfig,
  api: ApiConstructor<T>,
  timeoutMs = KUBE_REQUEST_TIMEOUT_MS,
  connect: ConnectOptions = { timeoutMs: CONNECT_TIMEOUT_MS },
  middleware: Middleware[] = [],
): T {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const { createConfiguration, ServerConfiguration } = clientNode();
  return new api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: pooledAuthentication(config, connect) },
      promiseMiddleware: [requestTimeout(timeoutMs), ...middleware],
    }),
  );
}

/** Typed clients per cluster, rebuilt only when the connection (e.g. the token) changes. */
export class KubeClientFactory {
  private readonly cache = new Map<string, { key: string; clients: KubeClients }>();

  constructor(
    private readonly connector: KubeConnector,
    private readonly requestTimeoutMs = KUBE_REQUEST_TIMEOUT_MS,
    /** Connect timeout, and the sandbox's modelled network (absent deployed: connections go to the endpoint). */
    private readonly network: { connectTimeoutMs: number; path?: NetworkPath } = {
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    },
  ) {}

  async forCluster(cluster: string): Promise<KubeClients> {
    const connection = await this.connector.connect(cluster);
    const via = await this.network.path?.connectVia(cluster, connection.server);
    const key = `${connection.server}|${connection.token}|${connection.caData ?? ''}|${via ?? ''}`;
    const cached = this.cache.get(cluster);
    if (cached?.key === key) return cached.clients;
    const config = kubeConfigFor(cluster, connection);
    const { CoreV1Api, AppsV1Api, RbacAuthorizationV1Api, KubernetesObjectApi, NetworkingV1Api } = clientNode();
    const connect = { timeoutMs: this.network.connectTimeoutMs, via };
    const refused = [refusals(cluster, async () => this.connector.principal?.(cluster))];
    const clients = {
      core: kubeApiClient(config, CoreV1Api, this.requestTimeoutMs, connect, refused),
      apps: kubeApiClient(config, AppsV1Api, this.requestTimeoutMs, connect, refused),
      rbac: kubeApiClient(config, RbacAuthorizationV1Api, this.requestTimeoutMs, connect, refused),
      objects: kubeApiClient(config, KubernetesObjectApi, this.requestTimeoutMs, connect, refused),
      networking: kubeApiClient(config, NetworkingV1Api, this.requestTimeoutMs, connect, refused),
    };
    this.cache.set(cluster, { key, clients });
    return clients;
  }
}
