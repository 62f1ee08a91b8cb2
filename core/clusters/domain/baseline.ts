import type { NamespaceSpec, NetworkPolicyPreset, PodSecurityLevel } from './cluster';

/** Field manager of every object the baseline applies: server-side apply tracks eksflow's fields under it. */
export const FIELD_MANAGER = 'eksflow';
export const MANAGED_BY_LABELS = { 'app.kubernetes.io/managed-by': 'eksflow' };

/**
 * Pod Security Admission: the kube-apiserver refuses pods above the namespace's level (privileged containers,
 * host namespaces, hostPath volumes under `baseline`), so the cluster refuses what a patch check might miss.
 * Applied after the spec's own labels, so a spec label cannot lower it.
 */
export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
export const podSecurityLabels = (level: PodSecurityLevel = 'baseline') => ({ [POD_SECURITY_ENFORCE_LABEL]: level });

/** Names of the objects eksflow owns in a baseline namespace (one of each). */
export const QUOTA_NAME = 'eksflow-quota';
export const LIMIT_RANGE_NAME = 'eksflow-limits';
export const NETWORK_POLICY_NAMES: Record<Exclude<NetworkPolicyPreset, 'none'>, string> = {
  'default-deny': 'eksflow-default-deny',
  'allow-same-namespace': 'eksflow-allow-same-namespace',
};

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** What one namespace of the spec consists of: the objects to apply, and eksflow's objects to remove. */
export function namespaceManifests(ns: NamespaceSpec): { apply: Manifest[]; remove: Manifest[] } {
  const meta = (name: string) => ({ name, namespace: ns.name, labels: MANAGED_BY_LABELS });
  const apply: Manifest[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns.name, labels: { ...ns.labels, ...MANAGED_BY_LABELS, ...podSecurityLabels(ns.podSecurity) } },
    },
  ];
  const remove: Manifest[] = [];
  const quota: Manifest = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta(QUOTA_NAME) };
  if (ns.quota) apply.push({ ...quota, spec: { hard: ns.quota } });
  else remove.push(quota);
  const limits: Manifest = { apiVersion: 'v1', kind: 'LimitRange', metadata: meta(LIMIT_RANGE_NAME) };
  if (ns.limitRange) apply.push({ ...limits, spec: { limits: [limitRangeItem(ns.limitRange)] } });
  else remove.push(limits);
  for (const [preset, name] of Object.entries(NETWORK_POLICY_NAMES)) {
    const policy: Manifest = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(name) };
    if (ns.networkPolicy === preset)
      apply.push({ ...policy, spec: networkPolicySpec(preset as keyof typeof NETWORK_POLICY_NAMES) });
    else remove.push(policy);
  }
  return { apply, remove };
}

function limitRangeItem(spec: NonNullable<NamespaceSpec['limitRange']>) {
  const pick = (cpu?: string, memory?: string) =>
    Object.fromEntries(Object.entries({ cpu, memory }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const limit = pick(spec.defaultCpu, spec.defaultMemory);
  // A request defaults to the limit when not given, as Kubernetes does for a LimitRange's default.
  const request = pick(spec.defaultRequestCpu ?? spec.defaultCpu, spec.defaultRequestMemory ?? spec.defaultMemory);
  return {
    type: 'Container',
    ...(Object.keys(limit).length > 0 ? { default: limit } : {}),
    ...(Object.keys(request).length > 0 ? { defaultRequest: request } : {}),
  };
}

/** DNS (53) stays reachable under default-deny: without it nothing in the namespace can resolve a name. */
const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

function networkPolicySpec(preset: Exclude<NetworkPolicyPreset, 'none'>) {
  if (preset === 'default-deny') return { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [DNS_EGRESS] };
  return { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] };
}
