import type { V1Container, V1Deployment, V1PodSpec } from '@kubernetes/client-node';

/**
 * A Deployment of `replicas` pods of one container, selected by the label app=`app` (its name unless given);
 * `podSpec` adds to the pod's spec (tolerations, spread constraints...), `podAnnotations` to its metadata.
 */
export function deploymentManifest(options: {
  name: string;
  replicas: number;
  container: V1Container;
  app?: string;
  podSpec?: Omit<V1PodSpec, 'containers'>;
  podAnnotations?: Record<string, string>;
}): V1Deployment {
  const app = options.app ?? options.name;
  return {
    metadata: { name: options.name },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app }, ...(options.podAnnotations ? { annotations: options.podAnnotations } : {}) },
        spec: { containers: [options.container], ...options.podSpec },
      },
    },
  };
}
