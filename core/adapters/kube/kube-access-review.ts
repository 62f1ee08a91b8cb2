import { type KubeAccessReview, type KubePermission, KubeTokenRefused } from '../../health/ports/doctor';
import { kubeCall, kubeStatus } from './kube-call';
import type { KubeClientFactory } from './kube-clients';

/** A SelfSubjectAccessReview as the API server answers it (only the fields read here). */
interface SelfSubjectAccessReview {
  apiVersion: 'authorization.k8s.io/v1';
  kind: 'SelfSubjectAccessReview';
  metadata: Record<string, never>;
  spec: { resourceAttributes: { group: string; resource: string; verb: string; namespace?: string } };
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

/**
 * Asks the cluster, as eksflow's own identity (the same clients and token the rollouts and scaling use),
 * whether each permission is allowed. Every authenticated user may create a SelfSubjectAccessReview
 * (system:basic-user), so a 401 here means the token itself was refused. Sent through the generic object
 * API: a review is never stored, it only answers.
 */
export class KubeSelfAccessReview implements KubeAccessReview {
  constructor(private readonly kube: Pick<KubeClientFactory, 'forCluster'>) {}

  async review(cluster: string, permissions: KubePermission[]): Promise<{ allowed: boolean; reason?: string }[]> {
    const { objects } = await this.kube.forCluster(cluster);
    return Promise.all(
      permissions.map(async ({ group, resource, verb, namespace }) => {
        const request: SelfSubjectAccessReview = {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          metadata: {},
          spec: { resourceAttributes: { group, resource, verb, ...(namespace ? { namespace } : {}) } },
        };
        try {
          const answer = (await kubeCall('SelfSubjectAccessReview', () =>
            objects.create(request as never),
          )) as unknown as SelfSubjectAccessReview;
          return { allowed: answer.status?.allowed === true, reason: answer.status?.reason };
        } catch (error) {
          if (kubeStatus(error) === 401)
            throw new KubeTokenRefused(`${cluster} refused the token (401 Unauthorized)`, { cause: error });
          throw error;
        }
      }),
    );
  }
}
