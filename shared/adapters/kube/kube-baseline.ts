import { TransientError } from '../../errors';
import type { ClusterBaseline } from '../../ports/kube';
import { kubeCall, kubeStatus } from './kube-call';
import type { KubeClientFactory } from './kube-clients';
import { ROLLOUT_RBAC_NAME, ROLLOUT_RBAC_RULES } from './rollout-rbac';

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'eksflow' };

export class KubeClusterBaseline implements ClusterBaseline {
  constructor(private readonly clients: KubeClientFactory) {}

  async ensureNamespace(cluster: string, name: string, labels: Record<string, string>): Promise<'created' | 'exists'> {
    const { core } = await this.clients.forCluster(cluster);
    return createUnlessExists(`create namespace ${name}`, () =>
      core.createNamespace({ body: { metadata: { name, labels } } }),
    );
  }

  async ensureRolloutAccess(cluster: string, group: string, namespaces: string[]): Promise<void> {
    const { rbac } = await this.clients.forCluster(cluster);
    await createUnlessExists(`create clusterrole ${ROLLOUT_RBAC_NAME}`, () =>
      rbac.createClusterRole({
        body: { metadata: { name: ROLLOUT_RBAC_NAME, labels: MANAGED_BY }, rules: ROLLOUT_RBAC_RULES },
      }),
    );
    for (const namespace of namespaces) {
      await createUnlessExists(`create rolebinding ${namespace}/${ROLLOUT_RBAC_NAME}`, () =>
        rbac.createNamespacedRoleBinding({
          namespace,
          body: {
            metadata: { name: ROLLOUT_RBAC_NAME, namespace, labels: MANAGED_BY },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLLOUT_RBAC_NAME },
            subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
          },
        }),
      );
    }
  }
}

/**
 * Creates an object; 409 means it exists (a re-run step). The baseline runs right after this step granted
 * eksflow's access entries, which EKS takes seconds to apply: a 401/403 then is worth the workflow's retry.
 */
async function createUnlessExists(what: string, create: () => Promise<unknown>): Promise<'created' | 'exists'> {
  try {
    await kubeCall(what, create);
    return 'created';
  } catch (error) {
    const status = kubeStatus(error);
    if (status === 409) return 'exists';
    if (status === 401 || status === 403) {
      throw new TransientError(`${what}: refused (${status}); eksflow's access entry may not be in effect yet`, {
        cause: error,
      });
    }
    throw error;
  }
}
