import type { V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import { VersionConflictError } from '../../kernel/errors';
import type { PodTemplate } from '../../rollouts/domain/types';
import type { DeploymentView, NewDeployment, ServiceView, Workloads } from '../../rollouts/ports/workloads';
import { kubeCall, kubeStatus } from './kube-call';
import type { KubeClientFactory } from './kube-clients';

/** Kubernetes' own default for a Deployment's rollingUpdate.maxUnavailable. */
const DEFAULT_MAX_UNAVAILABLE = '25%';
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const POD_TEMPLATE_HASH = 'pod-template-hash';

type JsonPatchOp = { op: 'add' | 'replace' | 'test'; path: string; value: unknown };

/**
 * Deployments and Services through client-node. Writes are JSON Patches that set exactly the fields we own
 * (a Service selector is replaced whole: a merge patch could not drop a key such as `version`) and carry the
 * resourceVersion they were decided from, so the API server refuses them (409) if anyone wrote in between.
 */
export class KubeWorkloads implements Workloads {
  constructor(private readonly clients: KubeClientFactory) {}

  async namespaceExists(cluster: string, namespace: string): Promise<boolean> {
    const { core } = await this.clients.forCluster(cluster);
    const ns = await ignoreNotFound(() =>
      kubeCall(`read namespace ${namespace}`, () => core.readNamespace({ name: namespace })),
    );
    return ns !== undefined;
  }

  async getDeployment(cluster: string, namespace: string, name: string): Promise<DeploymentView | undefined> {
    const { apps } = await this.clients.forCluster(cluster);
    const deployment = await ignoreNotFound(() =>
      kubeCall(`read deployment ${namespace}/${name}`, () => apps.readNamespacedDeployment({ name, namespace })),
    );
    return deployment && toView(deployment);
  }

  async createDeployment(cluster: string, namespace: string, d: NewDeployment): Promise<'created' | 'exists'> {
    const { apps } = await this.clients.forCluster(cluster);
    const body: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: d.name, namespace, labels: d.labels },
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: d.selector },
        template: d.template as V1PodTemplateSpec,
      },
    };
    try {
      await kubeCall(`create deployment ${namespace}/${d.name}`, () =>
        apps.createNamespacedDeployment({ namespace, body }),
      );
      return 'created';
    } catch (error) {
      if (kubeStatus(error) === 409) return 'exists';
      throw error;
    }
  }

  async setReplicas(
    cluster: string,
    namespace: string,
    from: DeploymentView,
    replicas: number,
    annotations: Record<string, string> = {},
  ): Promise<void> {
    await this.patchDeployment(cluster, namespace, from, [
      { op: 'replace', path: '/spec/replicas', value: replicas },
      ...annotationOps(from.annotations, annotations),
    ]);
  }

  async setTemplate(
    cluster: string,
    namespace: string,
    from: DeploymentView,
    template: PodTemplate,
    replicas: number,
    annotations: Record<string, string> = {},
  ): Promise<void> {
    await this.patchDeployment(cluster, namespace, from, [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/spec/replicas', value: replicas },
      ...annotationOps(from.annotations, annotations),
    ]);
  }

  async deleteDeployment(
    cluster: string,
    namespace: string,
    seen: Pick<DeploymentView, 'name' | 'uid'>,
  ): Promise<void> {
    const { apps } = await this.clients.forCluster(cluster);
    const what = `delete deployment ${namespace}/${seen.name}`;
    try {
      await ignoreNotFound(() =>
        kubeCall(what, () =>
          apps.deleteNamespacedDeployment({
            name: seen.name,
            namespace,
            propagationPolicy: 'Background',
            body: { preconditions: { uid: seen.uid } },
          }),
        ),
      );
    } catch (error) {
      // A Deployment of that name that is not the one we saw (deleted and re-created by someone): not ours to delete.
      if (kubeStatus(error) === 409)
        throw new VersionConflictError(`${what}: it is not the one read`, { cause: error });
      throw error;
    }
  }

  async getService(cluster: string, namespace: string, name: string): Promise<ServiceView | undefined> {
    const { core } = await this.clients.forCluster(cluster);
    const service = await ignoreNotFound(() =>
      kubeCall(`read service ${namespace}/${name}`, () => core.readNamespacedService({ name, namespace })),
    );
    if (!service) return undefined;
    return {
      name,
      resourceVersion: service.metadata?.resourceVersion ?? '',
      selector: { ...(service.spec?.selector ?? {}) },
    };
  }

  async setServiceSelector(
    cluster: string,
    namespace: string,
    from: ServiceView,
    selector: Record<string, string>,
  ): Promise<void> {
    const { core } = await this.clients.forCluster(cluster);
    const what = `patch service ${namespace}/${from.name}`;
    const body = [precondition(from.resourceVersion), { op: 'replace', path: '/spec/selector', value: selector }];
    await conflictsAsVersionConflicts(what, () =>
      kubeCall(what, () => core.patchNamespacedService({ name: from.name, namespace, body })),
    );
  }

  async currentPodTemplateHash(
    cluster: string,
    namespace: string,
    deployment: DeploymentView,
  ): Promise<string | undefined> {
    const { apps } = await this.clients.forCluster(cluster);
    const labelSelector = Object.entries(deployment.selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = await kubeCall(`list replicasets ${namespace}`, () =>
      apps.listNamespacedReplicaSet({ namespace, labelSelector }),
    );
    const owned = list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.uid));
    const revision = deployment.annotations[REVISION_ANNOTATION];
    const current = owned.find((rs) => rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision);
    const othersServing = owned.some((rs) => rs !== current && (rs.status?.replicas ?? 0) > 0);
    if (!current || othersServing) return undefined;
    return current.metadata?.labels?.[POD_TEMPLATE_HASH];
  }

  private async patchDeployment(
    cluster: string,
    namespace: string,
    from: DeploymentView,
    ops: JsonPatchOp[],
  ): Promise<void> {
    const { apps } = await this.clients.forCluster(cluster);
    const what = `patch deployment ${namespace}/${from.name}`;
    const body = [precondition(from.resourceVersion), ...ops];
    await conflictsAsVersionConflicts(what, () =>
      kubeCall(what, () => apps.patchNamespacedDeployment({ name: from.name, namespace, body })),
    );
  }
}

/**
 * Replacing metadata.resourceVersion with the one we read makes the API server check it: a different
 * current version answers 409 Conflict (a JSON Patch `test` op would answer 422, indistinguishable from a bad patch).
 */
function precondition(resourceVersion: string): JsonPatchOp {
  return { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion };
}

/** JSON Patch ops that set `wanted` annotations, creating the map when the object has none. */
function annotationOps(current: Record<string, string>, wanted: Record<string, string>): JsonPatchOp[] {
  if (!Object.keys(wanted).length) return [];
  if (!Object.keys(current).length) return [{ op: 'add', path: '/metadata/annotations', value: { ...wanted } }];
  return Object.entries(wanted).map(([key, value]) => ({
    op: 'add',
    path: `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
    value,
  }));
}

async function conflictsAsVersionConflicts<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (kubeStatus(error) === 409)
      throw new VersionConflictError(`${what}: changed since it was read`, { cause: error });
    throw error;
  }
}

async function ignoreNotFound<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (kubeStatus(error) === 404) return undefined;
    throw error;
  }
}

/** rollingUpdate.maxUnavailable as a pod count: an integer, or a percentage of replicas rounded down. */
export function resolveMaxUnavailable(deployment: V1Deployment, replicas: number): number {
  if (deployment.spec?.strategy?.type === 'Recreate') return replicas;
  const value = deployment.spec?.strategy?.rollingUpdate?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
  if (typeof value === 'number') return Math.min(replicas, value);
  const percent = /^(\d+)%$/.exec(String(value));
  return percent ? Math.floor((replicas * Number(percent[1])) / 100) : 0;
}

function toView(d: V1Deployment): DeploymentView {
  const replicas = d.spec?.replicas ?? 1;
  return {
    name: d.metadata?.name ?? '',
    uid: d.metadata?.uid ?? '',
    resourceVersion: d.metadata?.resourceVersion ?? '',
    labels: { ...(d.metadata?.labels ?? {}) },
    annotations: { ...(d.metadata?.annotations ?? {}) },
    replicas,
    selector: { ...(d.spec?.selector?.matchLabels ?? {}) },
    // Plain JSON, as the API sends it (client-node's classes serialise back to the same shape).
    template: JSON.parse(JSON.stringify(d.spec?.template ?? {})) as PodTemplate,
    maxUnavailable: resolveMaxUnavailable(d, replicas),
    generation: d.metadata?.generation ?? 0,
    observedGeneration: d.status?.observedGeneration ?? 0,
    status: {
      replicas: d.status?.replicas ?? 0,
      readyReplicas: d.status?.readyReplicas ?? 0,
      availableReplicas: d.status?.availableReplicas ?? 0,
      updatedReplicas: d.status?.updatedReplicas ?? 0,
    },
  };
}
