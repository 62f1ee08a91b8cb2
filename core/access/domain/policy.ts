/**
 * Who may do what where: statements of principal ARN patterns × cluster patterns × namespace patterns ×
 * actions. Pure: the policy is data loaded and validated elsewhere (access/requests/access-policy.ts).
 * Statements never combine: a request is allowed when one statement allows all of it (its action, cluster
 * and namespace here; its images, metadata keys, env references and resources in pod-template-patch.ts).
 */
import { anyGlobMatches } from './glob';
import type { PatchRules } from './pod-template-patch';

export { globMatches } from './glob';

export const ACTIONS = ['read', 'rollout', 'promote', 'abort', 'cluster', 'scale'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Namespaces that hold the cluster's own machinery or its add-ons (a release there reaches every tenant):
 * a pattern such as `*` never reaches them, only a statement that names one exactly. A policy file's
 * `protectedNamespaces` adds to these; it cannot remove one.
 */
export const PROTECTED_NAMESPACES: readonly string[] = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'eksflow-system',
  'istio-system',
  'karpenter',
  'amazon-cloudwatch',
  'cert-manager',
];

export interface AccessStatement extends PatchRules {
  /** For the logs and error messages: which statement allowed something. */
  sid?: string;
  principals: string[];
  clusters: string[];
  /** Kubernetes namespaces; cluster-wide actions (`cluster`, `scale`, reading an operation) need `*` here. */
  namespaces: string[];
  actions: Action[];
  /** Lets `principals` hold `*` or a wildcard account, which the loader refuses otherwise. */
  allowAnyPrincipal?: boolean;
}

export interface AccessPolicy {
  statements: AccessStatement[];
  /** Namespaces protected beyond PROTECTED_NAMESPACES (exact names). */
  protectedNamespaces?: string[];
}

/** The namespaces only a statement naming them exactly reaches. */
export function protectedNamespacesOf(policy: AccessPolicy): readonly string[] {
  return policy.protectedNamespaces ? [...PROTECTED_NAMESPACES, ...policy.protectedNamespaces] : PROTECTED_NAMESPACES;
}

/** What a request touches: a namespace, or (undefined) the cluster as a whole. */
export interface Resource {
  cluster: string;
  namespace?: string;
}

export interface AccessDecision {
  allowed: boolean;
  /** Statements that allow it (their field and image extras apply); empty when refused. */
  grants: AccessStatement[];
  reason: string;
}

/** `rollout on sandbox/team-a`, `cluster on prod-1`: how errors and logs name a request. */
export function describeRequest(action: Action, resource: Resource): string {
  return `${action} on ${resource.cluster}${resource.namespace === undefined ? '' : `/${resource.namespace}`}`;
}

/** `arn:aws:sts::<account>:assumed-role/<role>/<session>`: how API Gateway names a caller using a role (SSO, instance, task). */
const ASSUMED_ROLE_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/(.+)\/[^/]+$/;

/**
 * The ARNs a statement's principal patterns are matched against: the caller's own, and for a role session
 * the role's IAM ARN too, so that a policy naming `arn:aws:iam::…:role/team-*` admits that role's sessions.
 * (The session ARN carries no role path, so the derived role ARN has none: patterns name the role without its path.)
 */
export function principalArnsOf(principal: string): string[] {
  const session = ASSUMED_ROLE_ARN.exec(principal);
  return session ? [principal, `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`] : [principal];
}

/** A protected namespace matches only a pattern that is exactly its name; a cluster-wide request only `*`. */
function namespaceMatches(
  patterns: readonly string[],
  namespace: string | undefined,
  protectedNamespaces: readonly string[],
): boolean {
  if (namespace === undefined) return patterns.includes('*');
  if (protectedNamespaces.includes(namespace)) return patterns.includes(namespace);
  return anyGlobMatches(patterns, namespace);
}

/** The statements that let `principal` do `action` on `resource`. */
export function grantsFor(
  policy: AccessPolicy,
  principal: string,
  action: Action,
  resource: Resource,
): AccessStatement[] {
  const protectedNamespaces = protectedNamespacesOf(policy);
  return policy.statements.filter(
    (s) =>
      s.actions.includes(action) &&
      principalArnsOf(principal).some((arn) => anyGlobMatches(s.principals, arn)) &&
      anyGlobMatches(s.clusters, resource.cluster) &&
      namespaceMatches(s.namespaces, resource.namespace, protectedNamespaces),
  );
}

/** Allowed when a statement grants it; nothing is allowed by default. `principal` undefined is nobody. */
export function decide(
  policy: AccessPolicy,
  principal: string | undefined,
  action: Action,
  resource: Resource,
): AccessDecision {
  if (principal === undefined) return { allowed: false, grants: [], reason: 'the caller is not authenticated' };
  const grants = grantsFor(policy, principal, action, resource);
  if (grants.length) return { allowed: true, grants, reason: `allowed by ${grants.map(nameOf).join(', ')}` };
  const protectedNs = resource.namespace !== undefined && protectedNamespacesOf(policy).includes(resource.namespace);
  return {
    allowed: false,
    grants: [],
    reason: protectedNs
      ? `${resource.namespace} is protected: only a statement naming it exactly allows it`
      : 'no statement allows it',
  };
}

function nameOf(statement: AccessStatement): string {
  return statement.sid ?? 'an unnamed statement';
}
