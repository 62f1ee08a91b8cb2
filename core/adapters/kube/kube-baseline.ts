import type { V1PolicyRule } from '@kubernetes/client-node';
import { FIELD_MANAGER, type Manifest, namespaceManifests } from '../../clusters/domain/baseline';
import type { NamespaceSpec } from '../../clusters/domain/cluster';
import {
  ROLLOUT_RBAC_NAME,
  ROLLOUT_RBAC_RULES,
  SCALING_RBAC_NAME,
  SCALING_RBAC_RULES,
} from '../../clusters/domain/eksflow-rbac';
import type { ClusterBaseline } from '../../clusters/ports/kube';
import { kubeCall, kubeStatus } from './kube-call';
import type { KubeClientFactory, KubeClients } from './kube-clients';

const MANAGED_BY_KEY = 'app.kubernetes.io/managed-by';
const MANAGED_BY = { [MANAGED_BY_KEY]: 'eksflow' };

export class KubeClusterBaseline implements ClusterBaseline {
  constructor(private readonly clients: KubeClientFactory) {}

  async ensureNamespace(cluster: string, name: string, labels: Record<string, string>): Promise<'created' | 'exists'> {
    const { core } = await this.clients.forCluster(cluster);
    return createUnlessExists(`create namespace ${name}`, () =>
      core.createNamespace({ body: { metadata: { name, labels } } }),
    );
  }

  async applyNamespace(cluster: string, namespace: NamespaceSpec): Promise<{ created: boolean }> {
    const { core, objects } = await this.clients.forCluster(cluster);
    const existed = await namespaceExists(core, namespace.name);
    const { apply, remove } = namespaceManifests(namespace);
    const { PatchStrategy, ObjectSerializer } = require('./client-node') as typeof import('./client-node');
    for (const manifest of apply) {
      // client-node serializes by its models, whose names differ from the wire's where the wire's are reserved
      // words (LimitRange `default` is `_default`, NetworkPolicy `from` is `_from`): a wire manifest goes
      // through its model first, or those fields would be dropped without a word.
      const model = ObjectSerializer.deserialize(manifest, `V1${manifest.kind}`, '');
      await kubeCall(`apply ${describe(manifest)}`, () =>
        // force: eksflow owns these fields; another manager's edit of them is taken back (the spec is the truth).
        objects.patch(model, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      );
    }
    for (const manifest of remove) {
      await kubeCall(`delete ${describe(manifest)}`, () => objects.delete(manifest)).catch((error) => {
        if (kubeStatus(error) !== 404) throw error;
      });
    }
    return { created: !existed };
  }

  async deleteNamespace(cluster: string, name: string): Promise<void> {
    const { core } = await this.clients.forCluster(cluster);
    try {
      await kubeCall(`delete namespace ${name}`, () => core.deleteNamespace({ name }));
    } catch (error) {
      if (kubeStatus(error) !== 404) throw error;
    }
  }

  async existingNamespaces(cluster: string, names: string[]): Promise<string[]> {
    const { core } = await this.clients.forCluster(cluster);
    const found: string[] = [];
    for (const name of names) if (await namespaceExists(core, name)) found.push(name);
    return found;
  }

  async ensureRolloutAccess(cluster: string, group: string, namespaces: string[]): Promise<void> {
    const { rbac } = await this.clients.forCluster(cluster);
    await ensureClusterRole(rbac, ROLLOUT_RBAC_NAME, ROLLOUT_RBAC_RULES);
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

  async ensureScalingAccess(cluster: string, group: string): Promise<void> {
    const { rbac } = await this.clients.forCluster(cluster);
    await ensureClusterRole(rbac, SCALING_RBAC_NAME, SCALING_RBAC_RULES);
    await createUnlessExists(`create clusterrolebinding ${SCALING_RBAC_NAME}`, () =>
      rbac.createClusterRoleBinding({
        body: {
          metadata: { name: SCALING_RBAC_NAME, labels: MANAGED_BY },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SCALING_RBAC_NAME },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
        },
      }),
    );
  }
}

/**
 * eksflow's ClusterRole with exactly these rules: created when missing, and brought up to date when an older eksflow
 * made it with fewer (a new release that calls one more resource, e.g. Ingresses for ALB canaries, must not meet a
 * 403 in every cluster it provisioned before). A ClusterRole of that name that eksflow did not make is left alone.
 */
async function ensureClusterRole(rbac: KubeClients['rbac'], name: string, rules: V1PolicyRule[]): Promise<void> {
  const body = { metadata: { name, labels: MANAGED_BY }, rules };
  if ((await createUnlessExists(`create clusterrole ${name}`, () => rbac.createClusterRole({ body }))) === 'created')
    return;
  const current = await kubeCall(`read clusterrole ${name}`, () => rbac.readClusterRole({ name }));
  const ours = current.metadata?.labels?.[MANAGED_BY_KEY] === MANAGED_BY[MANAGED_BY_KEY];
  if (!ours || JSON.stringify(current.rules ?? []) === JSON.stringify(rules)) return;
  await kubeCall(`replace clusterrole ${name}`, () =>
    rbac.replaceClusterRole({
      name,
      body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } },
    }),
  );
}

function describe(manifest: Manifest): string {
  const { namespace, name } = manifest.metadata;
  return `${manifest.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

async function namespaceExists(core: KubeClients['core'], name: string): Promise<boolean> {
  try {
    await kubeCall(`read namespace ${name}`, () => core.readNamespace({ name }));
    return true;
  } catch (error) {
    if (kubeStatus(error) === 404) return false;
    throw error;
  }
}

/**
 * Creates an object; 409 means it exists (a re-run step). A refusal (ClusterAccessError, named by the clients'
 * middleware) is thrown as is: the provisioning step judges whether its access entries may still be propagating.
 */
async function createUnlessExists(what: string, create: () => Promise<unknown>): Promise<'created' | 'exists'> {
  try {
    await kubeCall(what, create);
    return 'created';
  } catch (error) {
    if (kubeStatus(error) === 409) return 'exists';
    throw error;
  }
}
