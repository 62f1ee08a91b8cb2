import type { V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { PodTemplate } from '../../domain/rollout/types';
import type { DeploymentView, Workloads } from '../../ports/workloads';
import { kubeCall, kubeStatus } from './kube-call';
import type { KubeClientFactory } from './kube-clients';

/**
 * Deployments and Services through client-node. Writes are JSON Patch `replace` ops (client-node's
 * default patch type): they set exactly the field we own, and a Service selector is replaced whole
 * (a merge patch could not drop a key such as `version`).
 */
export class KubeWorkloads implements Workloads {
  constructor(private readonly clients: KubeClientFactory) {}

  async namespaceExists(cluster: string, namespace: string): Promise<boolean> {
    const { core } = await this.clients.forCluster(cluster);
    return ignoreNotFound(() =>
      kubeCall(`read namespace ${namespace}`, () => core.readNamespace({ name: namespace })),
    ).then((ns) => ns !== undefined);
  }

  async getDeployment(cluster: string, namespace: string, name: string): Promise<DeploymentView | undefined> {
    const { apps } = await this.clients.forCluster(cluster);
    const deployment = await ignoreNotFound(() =>
      kubeCall(`read deployment ${namespace}/${name}`, () => apps.readNamespacedDeployment({ name, namespace })),
    );
    return deployment && toView(deployment);
  }

  async createDeployment(
    cluster: string,
    namespace: string,
    d: {
      name: string;
      replicas: number;
      selector: Record<string, string>;
      template: PodTemplate;
      labels: Record<string, string>;
    },
  ): Promise<void> {
    const { apps } = await this.clients.forCluster(cluster);
    const body: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: d.name, namespace, labels: d.labels },
      spec: { replicas: d.replicas, selector: { matchLabels: d.selector }, template: d.template as V1PodTemplateSpec },
    };
    try {
      await kubeCall(`create deployment ${namespace}/${d.name}`, () =>
        apps.createNamespacedDeployment({ namespace, body }),
      );
    } catch (error) {
      if (kubeStatus(error) !== 409) throw error;
    }
  }

  async setReplicas(cluster: string, namespace: string, name: string, replicas: number): Promise<void> {
    await this.patchDeployment(cluster, namespace, name, [{ op: 'replace', path: '/spec/replicas', value: replicas }]);
  }

  async setTemplate(
    cluster: string,
    namespace: string,
    name: string,
    template: PodTemplate,
    replicas: number,
  ): Promise<void> {
    await this.patchDeployment(cluster, namespace, name, [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/spec/replicas', value: replicas },
    ]);
  }

  async deleteDeployment(cluster: string, namespace: string, name: string): Promise<void> {
    const { apps } = await this.clients.forCluster(cluster);
    await ignoreNotFound(() =>
      kubeCall(`delete deployment ${namespace}/${name}`, () =>
        apps.deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Background' }),
      ),
    );
  }

  async getServiceSelector(
    cluster: string,
    namespace: string,
    name: string,
  ): Promise<Record<string, string> | undefined> {
    const { core } = await this.clients.forCluster(cluster);
    const service = await ignoreNotFound(() =>
      kubeCall(`read service ${namespace}/${name}`, () => core.readNamespacedService({ name, namespace })),
    );
    return service && { ...(service.spec?.selector ?? {}) };
  }

  async setServiceSelector(
    cluster: string,
    namespace: string,
    name: string,
    selector: Record<string, string>,
  ): Promise<void> {
    const { core } = await this.clients.forCluster(cluster);
    await kubeCall(`patch service ${namespace}/${name}`, () =>
      core.patchNamespacedService({
        name,
        namespace,
        body: [{ op: 'replace', path: '/spec/selector', value: selector }],
      }),
    );
  }

  private async patchDeployment(cluster: string, namespace: string, name: string, ops: object[]): Promise<void> {
    const { apps } = await this.clients.forCluster(cluster);
    await kubeCall(`patch deployment ${namespace}/${name}`, () =>
      apps.patchNamespacedDeployment({ name, namespace, body: ops }),
    );
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

function toView(d: V1Deployment): DeploymentView {
  return {
    name: d.metadata?.name ?? '',
    replicas: d.spec?.replicas ?? 1,
    selector: { ...(d.spec?.selector?.matchLabels ?? {}) },
    // Plain JSON, as the API sends it (client-node's classes serialise back to the same shape).
    template: JSON.parse(JSON.stringify(d.spec?.template ?? {})) as PodTemplate,
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
