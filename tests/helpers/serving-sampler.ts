import { eventually, kube } from './stack';

/**
 * "Stable serves throughout": samples, every `intervalMs`, how many Ready pods the active Service
 * selects (stable, canary or green alike: whatever would get traffic). Written for the chaos tests;
 * the capacity helper of the readiness-delay work measures the same bound.
 */
export interface ServingSampler {
  /** Stops sampling; the lowest count seen and every sample, for the failure message. */
  stop(): Promise<{ min: number; samples: number[] }>;
}

/** Kubernetes' default maxUnavailable for a Deployment's rolling update: 25 %, rounded down. */
export const DEFAULT_MAX_UNAVAILABLE = 0.25;

/** The least a rollout may leave serving: N − maxUnavailable (the capacity bound). */
export function servingBound(replicas: number, maxUnavailable = DEFAULT_MAX_UNAVAILABLE): number {
  return replicas - Math.floor(replicas * maxUnavailable);
}

export async function readyPodsSelectedBy(namespace: string, service: string): Promise<number> {
  const { core } = kube();
  const selector = (await core.readNamespacedService({ namespace, name: service })).spec?.selector ?? {};
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await core.listNamespacedPod({ namespace, labelSelector });
  return pods.items.filter(
    (pod) =>
      !pod.metadata?.deletionTimestamp &&
      pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
  ).length;
}

export function startServingSampler(namespace: string, service = 'web', intervalMs = 50): ServingSampler {
  const samples: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      samples.push(await readyPodsSelectedBy(namespace, service));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { min: Math.min(...samples), samples };
    },
  };
}

/** The sandbox's pod annotation for a readiness delay (docs/design.md): pods become Ready N seconds after start. */
export const READY_AFTER_ANNOTATION = 'sandbox.eksflow.io/ready-after-seconds';

/**
 * Gives the app's pods (and so the new version's, whose template is copied from them) a readiness
 * delay, so a rollout that drops capacity shows in the samples; waits until the app is Ready again.
 * On a control plane without the delay the annotation changes nothing but a pod template hash.
 */
export async function delayReadiness(namespace: string, name: string, seconds: number): Promise<void> {
  const { apps } = kube();
  await apps.patchNamespacedDeployment({
    namespace,
    name,
    body: [
      { op: 'add', path: '/spec/template/metadata/annotations', value: { [READY_AFTER_ANNOTATION]: String(seconds) } },
    ],
  });
  await eventually(
    `${namespace}/${name} Ready with a readiness delay`,
    async () => {
      const d = await apps.readNamespacedDeployment({ namespace, name });
      const replicas = d.spec?.replicas ?? 0;
      const settled =
        d.status?.observedGeneration === d.metadata?.generation &&
        d.status?.updatedReplicas === replicas &&
        d.status?.readyReplicas === replicas &&
        (d.status?.replicas ?? 0) === replicas;
      return settled ? true : undefined;
    },
    60000,
    200,
  );
}
