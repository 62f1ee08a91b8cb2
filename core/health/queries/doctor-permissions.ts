import type { V1PolicyRule } from '@kubernetes/client-node';
import { ROLLOUT_RBAC_RULES, SCALING_RBAC_RULES } from '../../clusters/domain/eksflow-rbac';
import type { KubePermission } from '../ports/doctor';

/**
 * Every Kubernetes verb eksflow calls, as the permissions `doctor` asks the cluster about. Read off the RBAC
 * rules the adapters are written to (kube-workloads.ts for rollouts, kube-nodegroup-pods.ts for scaling),
 * which a test keeps equal to deploy/rbac/eksflow-rbac.yaml: one list, so the doctor cannot drift from
 * what eksflow calls. Rollout verbs are granted per namespace; scaling's are cluster-wide.
 */
export function rolloutPermissions(namespace: string): KubePermission[] {
  return permissionsOf(ROLLOUT_RBAC_RULES).map((p) => ({ ...p, namespace }));
}

export function scalingPermissions(): KubePermission[] {
  return permissionsOf(SCALING_RBAC_RULES);
}

function permissionsOf(rules: V1PolicyRule[]): KubePermission[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? ['']).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => ({ group, resource, verb }))),
    ),
  );
}

/** `list apps/replicasets in team-a`, `watch nodes`: how a permission reads in a doctor line. */
export function describePermission(p: KubePermission): string {
  const resource = p.group ? `${p.group}/${p.resource}` : p.resource;
  return `${p.verb} ${resource}${p.namespace ? ` in ${p.namespace}` : ''}`;
}
