import type { V1PolicyRule } from '@kubernetes/client-node';

/**
 * The Kubernetes calls eksflow makes for rollouts (kube-workloads.ts), as RBAC rules: nothing more.
 * deploy/rbac/eksflow-rbac.yaml ships the same rules for clusters eksflow did not create (a test keeps
 * them equal).
 */
export const ROLLOUT_RBAC_RULES: V1PolicyRule[] = [
  // A RoleBinding in namespace N grants `get` on the Namespace object N itself, and on nothing else.
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'patch'] },
];

/** Name of the ClusterRole holding ROLLOUT_RBAC_RULES, and of each namespace's RoleBinding to it. */
export const ROLLOUT_RBAC_NAME = 'eksflow-rollouts';
