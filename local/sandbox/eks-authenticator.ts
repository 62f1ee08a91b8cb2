import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AssociatedAccessPolicy,
  DescribeAccessEntryCommand,
  EKSClient,
  ListAssociatedAccessPoliciesCommand,
} from '@aws-sdk/client-eks';
import { AuthorizationV1Api, RbacAuthorizationV1Api, type V1SubjectAccessReviewSpec } from '@kubernetes/client-node';
import { kubeApiClient, kubeConfigFor } from '../../core/adapters/kube/kube-clients';
import { ACCESS_POLICY_ARNS } from '../../core/clusters/domain/cluster';
import type { KubeConnection } from '../../core/clusters/ports/kube';
import {
  arnFromCallerIdentity,
  CLUSTER_ID_HEADER,
  callerOf,
  checkEksToken,
  TokenRefused,
  usernameOf,
} from './eks-authenticator-token';

/**
 * EKS's access machinery for the sandbox's clusters, as one HTTP server on 127.0.0.1 for the whole fleet:
 *
 * - `POST /clusters/{name}/authenticate`: the token webhook each cluster's kube-apiserver calls (EKS runs
 *   aws-iam-authenticator there). It checks the token's shape (eks-authenticator-token.ts), sends the presigned
 *   GetCallerIdentity to the sandbox's AWS endpoint with the cluster header, as the authenticator sends it to STS,
 *   maps the caller to its principal and answers with that principal's access entry on the cluster: its username
 *   and Kubernetes groups. No entry: not authenticated (the API server answers 401).
 * - `POST /clusters/{name}/authorize`: the authorization webhook, asked after RBAC. EKS's access policies act as
 *   their ClusterRoles (AmazonEKSEditPolicy as `edit`, …) within their scope: for a request in scope it asks the
 *   same API server a SubjectAccessReview for a probe group bound to that ClusterRole, so real RBAC decides.
 *
 * One server, not one per cluster: the cluster's name is in the path each API server's webhook configuration
 * names (written by the sandbox alone), so a server per cluster would add ports and processes and isolate nothing.
 * Access entries are read from the emulator directly (EKS's own machinery, not a customer's call through the gate).
 */
export interface EksAuthenticatorOptions {
  /** The sandbox's AWS endpoint: tokens must be presigned for it, and are sent to it (as to STS). */
  awsEndpoint: string;
  /** The emulator, where the clusters' access entries are. */
  emulator: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** A cluster's running control plane with its admin token (the probes' SubjectAccessReviews go there). */
  controlPlane: (cluster: string) => KubeConnection | undefined;
  onError?: (message: string) => void;
  now?: () => Date;
}

/** The probe group whose ClusterRoleBinding holds an access policy's ClusterRole. `eks:` names are EKS's own. */
export const accessPolicyGroup = (clusterRole: string) => `eks:access-policy:${clusterRole}`;
const PROBE_USER = 'eks:access-policy-probe';
/** Extra fields of the authenticated user, as aws-iam-authenticator sets them; the authorizer reads canonicalArn. */
const EXTRA_CANONICAL_ARN = 'canonicalArn';

/** ClusterRole of each managed access policy: the spec's short names are the ClusterRoles' names. */
const CLUSTER_ROLE_OF = new Map(Object.entries(ACCESS_POLICY_ARNS).map(([role, arn]) => [arn, role]));

export class EksAuthenticator {
  private readonly eks: EKSClient;
  private server?: http.Server;
  private baseUrl = '';
  /** The cluster each started API server speaks for (its webhook path names its slot). */
  private readonly clusterOfSlot = new Map<string, string>();
  private readonly reviewers = new Map<string, { server: string; api: AuthorizationV1Api }>();

  constructor(private readonly options: EksAuthenticatorOptions) {
    this.eks = new EKSClient(options.emulator);
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.eks.destroy();
  }

  /**
   * The webhook URLs of an API server, under the slot it was started as (the fleet starts a control plane before it
   * knows its cluster). Until `bind` names the slot's cluster, its webhooks authenticate and allow no one.
   */
  webhooks(slot: string): { authenticate: string; authorize: string } {
    if (!this.baseUrl) throw new Error('the EKS authenticator is not started');
    const base = `${this.baseUrl}/clusters/${encodeURIComponent(slot)}`;
    return { authenticate: `${base}/authenticate`, authorize: `${base}/authorize` };
  }

  /** From now on the API server started as `slot` is `cluster`'s. */
  bind(slot: string, cluster: string): void {
    this.clusterOfSlot.set(slot, cluster);
  }

  unbind(slot: string): void {
    this.clusterOfSlot.delete(slot);
  }

  /** Binds each access policy's probe group to its ClusterRole on a new control plane (idempotent). */
  async prepare(cluster: string, connection: KubeConnection): Promise<void> {
    const rbac = kubeConfigFor(cluster, connection).makeApiClient(RbacAuthorizationV1Api);
    for (const clusterRole of CLUSTER_ROLE_OF.values()) {
      const name = `eks:access-policy:${clusterRole}`;
      await rbac
        .createClusterRoleBinding({
          body: {
            metadata: { name },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
            subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: accessPolicyGroup(clusterRole) }],
          },
        })
        .catch((error: { code?: number }) => {
          if (error.code !== 409) throw error;
        });
    }
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // The API server adds `?timeout=30s`.
    const [path = ''] = (req.url ?? '').split('?');
    const match = /^\/clusters\/([^/]+)\/(authenticate|authorize)$/.exec(path);
    if (req.method !== 'POST' || !match) {
      res.writeHead(404).end();
      return;
    }
    const slot = decodeURIComponent(match[1] ?? '');
    const cluster = this.clusterOfSlot.get(slot);
    if (!cluster) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`no cluster runs on ${slot} yet`);
      return;
    }
    try {
      const review = JSON.parse(await readBody(req));
      const status =
        match[2] === 'authenticate'
          ? await this.authenticate(cluster, review.spec?.token ?? '')
          : await this.authorize(cluster, review.spec ?? {});
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: review.kind, status }));
    } catch (error) {
      this.options.onError?.(`EKS authenticator (${cluster}): ${(error as Error).message}`);
      res.writeHead(500, { 'content-type': 'text/plain' }).end((error as Error).message);
    }
  }

  /** A TokenReview's status. A refusal is an answer (401 for the caller), not an error of the webhook. */
  private async authenticate(cluster: string, token: string): Promise<Record<string, unknown>> {
    try {
      const checked = checkEksToken(token, { awsEndpoint: this.options.awsEndpoint, now: this.now() });
      const response = await askSts(this.options.awsEndpoint, checked.url, cluster);
      const body = response.body;
      if (response.status !== 200)
        throw new TokenRefused(`GetCallerIdentity answered ${response.status}: ${body.slice(0, 300)}`);
      const caller = callerOf(arnFromCallerIdentity(body));
      const entry = await this.eks
        .send(new DescribeAccessEntryCommand({ clusterName: cluster, principalArn: caller.principalArn }))
        .then((out) => out.accessEntry)
        .catch((error: Error) => {
          if (error.name === 'ResourceNotFoundException') return undefined;
          throw error;
        });
      if (!entry) throw new TokenRefused(`no access entry for ${caller.principalArn} on cluster ${cluster}`);
      return {
        authenticated: true,
        user: {
          username: usernameOf(entry.username ?? caller.arn, caller, checked.accessKeyId),
          groups: entry.kubernetesGroups ?? [],
          extra: {
            arn: [caller.arn],
            [EXTRA_CANONICAL_ARN]: [caller.principalArn],
            accessKeyId: [checked.accessKeyId],
            ...(caller.sessionName ? { sessionName: [caller.sessionName] } : {}),
          },
        },
      };
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      return { authenticated: false, error: error.message };
    }
  }

  /** A SubjectAccessReview's status: allowed when an access policy of the caller's entry allows it in scope. */
  /** The cluster's SubjectAccessReview client, kept while its control plane is the same (one pool of connections:
   * the API server asks this webhook on most requests). */
  private reviewerOf(cluster: string, connection: KubeConnection): AuthorizationV1Api {
    const kept = this.reviewers.get(cluster);
    if (kept?.server === connection.server) return kept.api;
    const api = kubeApiClient(kubeConfigFor(cluster, connection), AuthorizationV1Api);
    this.reviewers.set(cluster, { server: connection.server, api });
    return api;
  }

  private async authorize(cluster: string, spec: V1SubjectAccessReviewSpec): Promise<Record<string, unknown>> {
    const principalArn = spec.extra?.[EXTRA_CANONICAL_ARN]?.[0];
    const connection = this.options.controlPlane(cluster);
    // Not one of ours (the probe itself, a service account): no opinion, RBAC's "no" stands.
    if (!principalArn || !connection) return { allowed: false };
    const policies = await this.policiesOf(cluster, principalArn);
    const inScope = policies.filter((p) => covers(p, spec));
    if (inScope.length === 0) return { allowed: false };
    const authorization = this.reviewerOf(cluster, connection);
    for (const policy of inScope) {
      const clusterRole = CLUSTER_ROLE_OF.get(policy.policyArn ?? '');
      if (!clusterRole) continue;
      const review = await authorization.createSubjectAccessReview({
        body: {
          spec: {
            user: PROBE_USER,
            groups: [accessPolicyGroup(clusterRole)],
            resourceAttributes: spec.resourceAttributes,
            nonResourceAttributes: spec.nonResourceAttributes,
          },
        },
      });
      if (review.status?.allowed) return { allowed: true, reason: `EKS access policy ${policy.policyArn}` };
    }
    return { allowed: false };
  }

  private async policiesOf(cluster: string, principalArn: string): Promise<AssociatedAccessPolicy[]> {
    const policies: AssociatedAccessPolicy[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.eks.send(
          new ListAssociatedAccessPoliciesCommand({ clusterName: cluster, principalArn, nextToken }),
        );
        policies.push(...(page.associatedAccessPolicies ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return [];
      throw error;
    }
    return policies;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/**
 * Whether an association's scope covers a request: a cluster scope covers every request; a namespace scope
 * covers namespaced requests in its namespaces (a trailing `*` matches a prefix, as EKS allows), and nothing
 * cluster-wide, as a RoleBinding in each namespace would.
 */
export function covers(policy: AssociatedAccessPolicy, spec: V1SubjectAccessReviewSpec): boolean {
  if (policy.accessScope?.type !== 'namespace') return true;
  const namespace = spec.resourceAttributes?.namespace;
  if (!namespace) return false;
  return (policy.accessScope.namespaces ?? []).some((pattern) =>
    pattern.endsWith('*') ? namespace.startsWith(pattern.slice(0, -1)) : namespace === pattern,
  );
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * Sends a token's presigned GetCallerIdentity to the account's STS (the sandbox's AWS endpoint), as EKS's
 * authenticator sends it to STS: from EKS's side, not through whatever stood between eksflow and AWS when the token
 * was made (a test's fault proxy), so with the token's own Host, which its signature covers.
 */
function askSts(awsEndpoint: string, url: URL, cluster: string): Promise<{ status: number; body: string }> {
  const sts = new URL(awsEndpoint);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: sts.hostname,
        port: Number(sts.port),
        method: 'GET',
        path: `${url.pathname}${url.search}`,
        headers: { host: url.host, [CLUSTER_ID_HEADER]: cluster },
        timeout: STS_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`STS at ${awsEndpoint} did not answer in time`)));
    request.on('error', reject);
    request.end();
  });
}

/** How long the authenticator waits for the sandbox's STS; the API server's webhook times out later (10 s). */
const STS_TIMEOUT_MS = 5000;
