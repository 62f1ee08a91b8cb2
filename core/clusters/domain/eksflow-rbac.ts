import type { V1PolicyRule } from '@kubernetes/client-node';

/**
 * The Kubernetes calls eksflow makes for rollouts (kube-workloads.ts, kube-ingresses.ts), as RBAC rules: nothing more.
 * deploy/rbac/eksflow-rbac.yaml ships the same rules for clusters eksflow did not create (a test keeps
 * them equal).
 */
export const ROLLOUT_RBAC_RULES: V1PolicyRule[] = [
  // A RoleBinding in namespace N grants `get` on the Namespace object N itself, and on nothing else.
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'patch'] },
  // ALB canaries: the actions annotation that carries the weights (kube-ingresses.ts).
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'patch'] },
];

/** Name of the ClusterRole holding ROLLOUT_RBAC_RULES, and of each namespace's RoleBinding to it. */
export const ROLLOUT_RBAC_NAME = 'eksflow-rollouts';

/**
 * The Kubernetes calls eksflow makes to scale node groups (kube-nodegroup-pods.ts): Pending pods and pods per
 * node, in every namespace, and the node group's Nodes. Read only: scaling changes the node group through EKS,
 * never through Kubernetes. `watch` goes with list so that a client may follow what it listed.
 */
export const SCALING_RBAC_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
];

/** Name of the ClusterRole holding SCALING_RBAC_RULES, and of the ClusterRoleBinding to it. */
export const SCALING_RBAC_NAME = 'eksflow-scaling-reader';
