import type { PodTemplate } from '../domain/rollout/types';

/** What a rollout observes of a Deployment. */
export interface DeploymentView {
  name: string;
  /** spec.replicas */
  replicas: number;
  selector: Record<string, string>;
  template: PodTemplate;
  generation: number;
  observedGeneration: number;
  status: { replicas: number; readyReplicas: number; availableReplicas: number; updatedReplicas: number };
}

/** The Kubernetes workloads a rollout moves: Deployments and the Services in front of them. */
export interface Workloads {
  namespaceExists(cluster: string, namespace: string): Promise<boolean>;
  getDeployment(cluster: string, namespace: string, name: string): Promise<DeploymentView | undefined>;
  /** Creates it, or leaves an existing one with that name alone (a re-run step). */
  createDeployment(
    cluster: string,
    namespace: string,
    deployment: {
      name: string;
      replicas: number;
      selector: Record<string, string>;
      template: PodTemplate;
      labels: Record<string, string>;
    },
  ): Promise<void>;
  setReplicas(cluster: string, namespace: string, name: string, replicas: number): Promise<void>;
  setTemplate(cluster: string, namespace: string, name: string, template: PodTemplate, replicas: number): Promise<void>;
  /** Deletes it and, in the background, its ReplicaSets and Pods; a missing one is not an error. */
  deleteDeployment(cluster: string, namespace: string, name: string): Promise<void>;
  getServiceSelector(cluster: string, namespace: string, name: string): Promise<Record<string, string> | undefined>;
  setServiceSelector(cluster: string, namespace: string, name: string, selector: Record<string, string>): Promise<void>;
}
