import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import { kube } from './stack';

/**
 * Serving capacity of a set of Deployments, sampled on the real cluster.
 *
 * A sample counts the pods that are Ready=True and not being deleted, selected by any of the
 * Deployments' selectors, from ONE list of the namespace's pods. That is truer than summing
 * `status.readyReplicas`:
 * - readyReplicas is the controllers' lagging copy of the pods' state; pod conditions are the source.
 * - A deleted Deployment reads 0 at once while its pods (garbage-collected later) may still serve,
 *   and a pod marked for deletion still counts in readyReplicas until the controller catches up,
 *   though a Service has already stopped sending it traffic.
 * - The stable Deployment's selector (e.g. `app=web`) may also select the canary's pods: counting each
 *   pod once (by uid) avoids the double count a sum of per-Deployment figures would make.
 * - One list is one consistent snapshot (a single resourceVersion), not N reads taken at different moments.
 */

export interface CapacitySample {
  /** Milliseconds since the epoch when the pod list was read. */
  at: number;
  ready: number;
}

export interface CapacityReport {
  min: number;
  samples: CapacitySample[];
}

export interface CapacitySampler {
  /** The samples taken so far (a test waits, with `eventually`, for the one it needs before acting on). */
  seen(): readonly CapacitySample[];
  /** Stops sampling after one last sample and returns what was seen; fails if any sample failed. */
  stop(): Promise<CapacityReport>;
}

/** Starts sampling now (the first sample is taken at once), then every `everyMs` after the previous one ends. */
export function sampleCapacity(namespace: string, deploymentNames: string[], everyMs: number): CapacitySampler {
  const { core, apps } = kube();
  // Selectors are immutable in apps/v1: read once, and kept after the Deployment is deleted so its
  // lingering pods still count.
  const selectors = new Map<string, V1LabelSelector>();
  const samples: CapacitySample[] = [];
  let stopped = false;
  let failure: unknown;

  const readMissingSelectors = async () => {
    for (const name of deploymentNames.filter((n) => !selectors.has(n))) {
      try {
        const d = await apps.readNamespacedDeployment({ namespace, name });
        if (d.spec?.selector) selectors.set(name, d.spec.selector);
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error; // not created yet
      }
    }
  };

  const sampleOnce = async () => {
    await readMissingSelectors();
    const at = Date.now();
    const pods = await core.listNamespacedPod({ namespace });
    const ready = pods.items.filter(
      (pod) => isServing(pod) && [...selectors.values()].some((s) => selectorMatches(s, pod.metadata?.labels ?? {})),
    ).length;
    samples.push({ at, ready });
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await sampleOnce();
      } catch (error) {
        failure ??= error;
        return;
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();

  return {
    seen: () => samples,
    async stop() {
      stopped = true;
      await loop;
      if (failure === undefined) await sampleOnce().catch((error: unknown) => (failure ??= error));
      if (failure !== undefined) throw failure;
      return { min: Math.min(...samples.map((s) => s.ready)), samples };
    },
  };
}

/** Ready=True and not being deleted: what a Service's endpoints would send traffic to. */
export function isServing(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Kubernetes label selector semantics (matchLabels AND every matchExpression); an empty selector matches all. */
export function selectorMatches(selector: V1LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const has = Object.hasOwn(labels, key);
    const value = has ? labels[key] : undefined;
    switch (operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`unknown label selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}
