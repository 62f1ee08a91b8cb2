import {
  type AccessSpec,
  type AddonSpec,
  BASELINE_TAG,
  type ClusterInfo,
  type ClusterSpec,
  LATEST_ADDON_VERSION,
  type NamespaceSpec,
  type NodegroupSpec,
} from './cluster';

/** What EKS shows of a node group, in the spec's terms (it may leave out the capacity type and the role). */
export interface ObservedNodegroup extends Omit<NodegroupSpec, 'capacityType' | 'nodeRoleArn'> {
  status: string;
  capacityType?: string;
  nodeRoleArn?: string;
  tags: Record<string, string>;
}

export interface ObservedAddon {
  name: string;
  status: string;
  version?: string;
  configurationValues?: string;
  tags: Record<string, string>;
}

export interface ObservedAccessEntry {
  principalArn: string;
  /** Policy ARNs associated, with their namespace scope (none: the whole cluster). */
  policies: Array<{ policyArn: string; namespaces?: string[] }>;
}

/** Everything eksflow compares a spec against. */
export interface ObservedCluster {
  controlPlane?: ClusterInfo;
  nodegroups: ObservedNodegroup[];
  addons: ObservedAddon[];
  accessEntries: ObservedAccessEntry[];
}

export type PlanResource = 'controlPlane' | 'nodegroup' | 'addon' | 'accessEntry' | 'baseline';
export type PlanAction = 'create' | 'update' | 'unchanged' | 'needs-replacement' | 'delete';

export interface PlanItem {
  resource: PlanResource;
  name: string;
  action: PlanAction;
  /** The fields that differ (update), or why EKS cannot change them in place (needs-replacement). */
  changes?: string[];
}

/** Node-group fields UpdateNodegroupConfig changes in place. */
const NODEGROUP_UPDATABLE = ['minSize', 'maxSize', 'desiredSize', 'labels', 'taints', 'maxUnavailable'] as const;
/** Node-group fields EKS fixes at creation: changing one needs a new node group. */
const NODEGROUP_FIXED = ['instanceTypes', 'capacityType', 'amiType', 'diskSize', 'subnetIds', 'nodeRoleArn'] as const;

export function nodegroupChanges(spec: NodegroupSpec, observed: ObservedNodegroup) {
  const differs = (field: keyof NodegroupSpec & keyof ObservedNodegroup) => {
    const wanted = spec[field];
    // Fields the spec leaves to EKS's defaults are not differences.
    if (wanted === undefined) return false;
    return !sameValue(wanted, observed[field]);
  };
  return {
    updatable: NODEGROUP_UPDATABLE.filter(differs),
    fixed: NODEGROUP_FIXED.filter(differs),
  };
}

/** Control-plane fields UpdateClusterConfig changes in place. */
export function controlPlaneChanges(spec: ClusterSpec, observed: ClusterInfo) {
  const updatable: string[] = [];
  const fixed: string[] = [];
  if (observed.logging && !sameValue([...spec.logging].sort(), [...observed.logging].sort())) updatable.push('logging');
  if (observed.endpointPublicAccess !== undefined && observed.endpointPublicAccess !== spec.endpointPublicAccess)
    updatable.push('endpointPublicAccess');
  // A Kubernetes upgrade is its own, one-minor-at-a-time operation (UpdateClusterVersion), not a provisioning change.
  if (spec.version && observed.version && spec.version !== observed.version) fixed.push('version');
  return { updatable, fixed };
}

/** An add-on differs when its version (once "latest" is resolved) or its configuration differs. */
export function addonChanges(spec: AddonSpec, observed: ObservedAddon, resolvedVersion?: string): string[] {
  const changes: string[] = [];
  const wanted = spec.version === LATEST_ADDON_VERSION ? resolvedVersion : spec.version;
  if (wanted && observed.version && wanted !== observed.version) changes.push('version');
  if ((spec.configurationValues ?? '') !== (observed.configurationValues ?? '')) changes.push('configurationValues');
  return changes;
}

export function accessChanges(spec: AccessSpec, observed: ObservedAccessEntry, policyArn: string): string[] {
  const match = observed.policies.find((p) => p.policyArn === policyArn);
  if (!match) return ['policy'];
  if (!sameValue([...(spec.namespaces ?? [])].sort(), [...(match.namespaces ?? [])].sort())) return ['namespaces'];
  return [];
}

/** A short digest of the baseline: stored as a tag, so an identical spec is recognised without asking Kubernetes. */
export function baselineDigest(namespaces: NamespaceSpec[]): string {
  const text = JSON.stringify(namespaces.map((n) => sortedKeys(n)));
  let hash = 0x811c9dc5; // FNV-1a: tiny, stable, enough to tell two specs apart (not a security check)
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${namespaces.length}-${hash.toString(16)}`;
}

/**
 * What provisioning `spec` would do to the cluster as observed: one item per resource of the spec.
 * `resolvedAddonVersions` maps add-on names to what "latest" means for this cluster.
 */
export function planProvision(
  spec: ClusterSpec,
  observed: ObservedCluster,
  resolvedAddonVersions: Record<string, string | undefined> = {},
  policyArnOf: (policy: AccessSpec['policy']) => string = (p) => p,
): PlanItem[] {
  const plan: PlanItem[] = [];
  const cp = observed.controlPlane;
  if (!cp) plan.push({ resource: 'controlPlane', name: spec.name, action: 'create' });
  else plan.push(itemFor('controlPlane', spec.name, controlPlaneChanges(spec, cp)));
  for (const ng of spec.nodegroups) {
    const existing = observed.nodegroups.find((o) => o.name === ng.name);
    plan.push(
      existing
        ? itemFor('nodegroup', ng.name, nodegroupChanges(ng, existing))
        : { resource: 'nodegroup', name: ng.name, action: 'create' },
    );
  }
  for (const addon of spec.addons) {
    const existing = observed.addons.find((o) => o.name === addon.name);
    const changes = existing ? addonChanges(addon, existing, resolvedAddonVersions[addon.name]) : undefined;
    plan.push(itemFor('addon', addon.name, changes === undefined ? undefined : { updatable: changes, fixed: [] }));
  }
  for (const access of spec.access) {
    const existing = observed.accessEntries.find((o) => o.principalArn === access.principalArn);
    const changes = existing ? accessChanges(access, existing, policyArnOf(access.policy)) : undefined;
    plan.push(
      itemFor(
        'accessEntry',
        access.principalArn,
        changes === undefined ? undefined : { updatable: changes, fixed: [] },
      ),
    );
  }
  const applied = cp?.tags[BASELINE_TAG];
  plan.push({
    resource: 'baseline',
    name: spec.namespaces.map((n) => n.name).join(',') || '(eksflow-system only)',
    action: applied === undefined ? 'create' : applied === baselineDigest(spec.namespaces) ? 'unchanged' : 'update',
  });
  return plan;
}

/** Whether a plan would change nothing at all. */
export function isNoChange(plan: PlanItem[]): boolean {
  return plan.every((item) => item.action === 'unchanged' || item.action === 'needs-replacement');
}

/** Teardown order: node groups and add-ons first (EKS refuses to delete a cluster with node groups), then the control plane. */
export function planDelete(name: string, observed: ObservedCluster): PlanItem[] {
  return [
    ...observed.nodegroups.map((n) => ({ resource: 'nodegroup' as const, name: n.name, action: 'delete' as const })),
    ...observed.addons.map((a) => ({ resource: 'addon' as const, name: a.name, action: 'delete' as const })),
    ...(observed.controlPlane ? [{ resource: 'controlPlane' as const, name, action: 'delete' as const }] : []),
  ];
}

function itemFor(
  resource: PlanResource,
  name: string,
  changes: { updatable: readonly string[]; fixed: readonly string[] } | undefined,
): PlanItem {
  if (!changes) return { resource, name, action: 'create' };
  if (changes.fixed.length > 0) return { resource, name, action: 'needs-replacement', changes: [...changes.fixed] };
  if (changes.updatable.length > 0) return { resource, name, action: 'update', changes: [...changes.updatable] };
  return { resource, name, action: 'unchanged' };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortedKeys(a ?? null)) === JSON.stringify(sortedKeys(b ?? null));
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortedKeys(v)]),
    );
  return value;
}
