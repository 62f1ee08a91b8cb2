import type { ClusterBaseline } from '../../ports/kube';
import { kubeCall, kubeStatus } from './kube-call';
import type { KubeClientFactory } from './kube-clients';

export class KubeClusterBaseline implements ClusterBaseline {
  constructor(private readonly clients: KubeClientFactory) {}

  async ensureNamespace(cluster: string, name: string, labels: Record<string, string>): Promise<'created' | 'exists'> {
    const { core } = await this.clients.forCluster(cluster);
    try {
      await kubeCall(`create namespace ${name}`, () => core.createNamespace({ body: { metadata: { name, labels } } }));
      return 'created';
    } catch (error) {
      if (kubeStatus(error) === 409) return 'exists';
      throw error;
    }
  }
}
