import type { PodTemplate } from '../domain/types';

/** What a rollout observes of a Deployment. */
export interface DeploymentView {
  name: string;
  uid: string;
  /** Optimistic-concurrency token: writes made from this view fail with VersionConflictError if it is stale. */
  resourceVersion: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** spec.replicas */
  replicas: number;
  selector: Record<string, string>;
  template: PodTemplate;
  /** The rolling-update budget resolved against spec.replicas (Kubernetes' default is 25 %, rounded down). */
  maxUnavailable: number;
  generation: number;
  observedGeneration: number;
  status: { replicas: number; readyReplicas: number; availableReplicas: number; updatedReplicas: number };
}

export interface ServiceView {
  name: string;
  resourceVersion: string;
  selector: Record<string, string>;
}

export interface NewDeployment {
  name: string;
  replicas: number;
  selector: Record<string, string>;
  template: PodTemplate;
  labels: Record<string, string>;
}

/**
 * The Kubernetes workloads a rollout moves: Deployments and the Services in front of them. Every write takes
 * the view it was decided from and fails with VersionConflictError when the object changed since (someone
 * else's edit, or a stale pass): the caller reads again and decides again, so no write is blind.
 */
export interface Workloads {
  namespaceExists(cluster: string, namespace: string): Promise<boolean>;
  getDeployment(cluster: string, namespace: string, name: string): Promise<DeploymentView | undefined>;
  /** `exists` when a Deployment of that name is already there: the caller checks whose it is. */
  createDeployment(cluster: string, namespace: string, deployment: NewDeployment): Promise<'created' | 'exists'>;
  /** Sets spec.replicas, and the given annotations in the same write. */
  setReplicas(
    cluster: string,
    namespace: string,
    from: DeploymentView,
    replicas: number,
    annotations?: Record<string, string>,
  ): Promise<void>;
  setTemplate(
    cluster: string,
    namespace: string,
    from: DeploymentView,
    template: PodTemplate,
    replicas: number,
    annotations?: Record<string, string>,
  ): Promise<void>;
  /**
   * Deletes exactly the Deployment seen (a precondition on its uid) and, in the background, its ReplicaSets
   * and Pods; one already gone is not an error.
   */
  deleteDeployment(cluster: string, namespace: string, seen: Pick<DeploymentView, 'name' | 'uid'>): Promise<void>;
  getService(cluster: string, namespace: string, name: string): Promise<ServiceView | undefined>;
  setServiceSelector(
    cluster: string,
    namespace: string,
    from: ServiceView,
    selector: Record<string, string>,
  ): Promise<void>;
  /**
   * The `pod-template-hash` of the Deployment's current ReplicaSet, when it is fully rolled out to one
   * ReplicaSet; undefined while it is mid-rollout (pods of two templates serve).
   */
  currentPodTemplateHash(cluster: string, namespace: string, deployment: DeploymentView): Promise<string | undefined>;
}
