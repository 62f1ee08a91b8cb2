/**
 * Who may do what where: statements of principal ARN patterns × cluster patterns × namespace patterns ×
 * actions. Pure: the policy is data loaded and validated elsewhere (validation/access-policy.ts).
 */

export const ACTIONS = ['read', 'rollout', 'promote', 'abort', 'cluster', 'scale'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Namespaces that hold the cluster's own machinery: a `*` never reaches them, only a statement that
 * names one exactly. eksflow runs no in-cluster namespace of its own (it reaches clusters from outside).
 */
export const PROTECTED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface AccessStatement {
  /** For the logs and error messages: which statement allowed something. */
  sid?: string;
  principals: string[];
  clusters: string[];
  /** Kubernetes namespaces; cluster-wide actions (`cluster`, `scale`, reading an operation) need `*` here. */
  namespaces: string[];
  actions: Action[];
  /** Pod-template fields (dotted paths such as `spec.volumes`) a patch may change beyond the release fields. */
  allowPodFields?: string[];
  /** When given, every image of a rollout must start with one of these prefixes. */
  imageRegistries?: string[];
}

export interface AccessPolicy {
  statements: AccessStatement[];
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

/** Glob with `*` for any run of characters (including none); everything else matches itself. */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}

const anyMatches = (patterns: readonly string[], value: string) => patterns.some((p) => globMatches(p, value));

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
function namespaceMatches(patterns: readonly string[], namespace: string | undefined): boolean {
  if (namespace === undefined) return patterns.includes('*');
  if (PROTECTED_NAMESPACES.includes(namespace)) return patterns.includes(namespace);
  return anyMatches(patterns, namespace);
}

/** The statements that let `principal` do `action` on `resource`. */
export function grantsFor(
  policy: AccessPolicy,
  principal: string,
  action: Action,
  resource: Resource,
): AccessStatement[] {
  return policy.statements.filter(
    (s) =>
      s.actions.includes(action) &&
      principalArnsOf(principal).some((arn) => anyMatches(s.principals, arn)) &&
      anyMatches(s.clusters, resource.cluster) &&
      namespaceMatches(s.namespaces, resource.namespace),
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
  const protectedNs = resource.namespace !== undefined && PROTECTED_NAMESPACES.includes(resource.namespace);
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
