import type { V1Ingress } from '@kubernetes/client-node';
import { VersionConflictError } from '../../kernel/errors';
import type { AlbRouting } from '../../rollouts/domain/types';
import type { Ingresses, IngressView } from '../../rollouts/ports/traffic';
import { kubeCall, kubeStatus } from './kube-call';
import type { KubeClientFactory } from './kube-clients';

/** The AWS Load Balancer Controller's per-Service action annotation, and the port name that refers to it. */
export const ACTIONS_ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io/actions.';
export const USE_ANNOTATION = 'use-annotation';

interface ForwardAction {
  type: 'forward';
  forwardConfig: { targetGroups: { serviceName: string; servicePort: string; weight: number }[] };
}

/**
 * Ingresses through client-node: reads the rule and the actions annotation, writes the annotation as a JSON Patch
 * carrying the resourceVersion it was decided from (a 409 when anyone wrote in between).
 */
export class KubeIngresses implements Ingresses {
  constructor(private readonly clients: KubeClientFactory) {}

  async getIngress(cluster: string, namespace: string, route: AlbRouting): Promise<IngressView | undefined> {
    const { networking } = await this.clients.forCluster(cluster);
    let ingress: V1Ingress;
    try {
      ingress = await kubeCall(`read ingress ${namespace}/${route.ingress}`, () =>
        networking.readNamespacedIngress({ name: route.ingress, namespace }),
      );
    } catch (error) {
      if (kubeStatus(error) === 404) return undefined;
      throw error;
    }
    return ingressView(ingress, route);
  }

  async setForwardWeights(
    cluster: string,
    namespace: string,
    from: IngressView,
    route: AlbRouting,
    weights: { service: string; weight: number }[],
  ): Promise<void> {
    const { networking } = await this.clients.forCluster(cluster);
    const action: ForwardAction = {
      type: 'forward',
      forwardConfig: {
        targetGroups: weights.map((w) => ({
          serviceName: w.service,
          servicePort: String(route.servicePort),
          weight: w.weight,
        })),
      },
    };
    const key = `${ACTIONS_ANNOTATION_PREFIX}${route.rootService}`.replace(/~/g, '~0').replace(/\//g, '~1');
    const body = [
      { op: 'replace', path: '/metadata/resourceVersion', value: from.resourceVersion },
      ...(from.hasAnnotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
      { op: 'add', path: `/metadata/annotations/${key}`, value: JSON.stringify(action) },
    ];
    const what = `patch ingress ${namespace}/${from.name}`;
    try {
      await kubeCall(what, () => networking.patchNamespacedIngress({ name: from.name, namespace, body }));
    } catch (error) {
      if (kubeStatus(error) === 409)
        throw new VersionConflictError(`${what}: changed since it was read`, { cause: error });
      throw error;
    }
  }
}

/** What the rollout needs of an Ingress: its hostname, whether its rule uses the annotation, the annotation's weights. */
export function ingressView(ingress: V1Ingress, route: AlbRouting): IngressView & { hasAnnotations: boolean } {
  const annotations = ingress.metadata?.annotations ?? {};
  const raw = annotations[`${ACTIONS_ANNOTATION_PREFIX}${route.rootService}`];
  return {
    name: route.ingress,
    resourceVersion: ingress.metadata?.resourceVersion ?? '',
    hasAnnotations: ingress.metadata?.annotations !== undefined,
    ...(ingress.status?.loadBalancer?.ingress?.[0]?.hostname
      ? { hostname: ingress.status.loadBalancer.ingress[0].hostname }
      : {}),
    ...ruleProblem(ingress, route),
    ...(raw !== undefined ? { weights: forwardWeights(raw) } : {}),
  };
}

/** The Ingress must send rootService to the actions annotation (`port.name: use-annotation`); names the rule if not. */
function ruleProblem(ingress: V1Ingress, route: AlbRouting): { problem?: string } {
  const paths = (ingress.spec?.rules ?? []).flatMap((rule, i) =>
    (rule.http?.paths ?? []).map((path, j) => ({ where: `spec.rules[${i}].http.paths[${j}]`, path, host: rule.host })),
  );
  const root = paths.filter((p) => p.path.backend.service?.name === route.rootService);
  if (root.length === 0)
    return { problem: `Ingress ${route.ingress} has no rule whose backend is Service ${route.rootService}` };
  const plain = root.find((p) => p.path.backend.service?.port?.name !== USE_ANNOTATION);
  if (plain) {
    const port = plain.path.backend.service?.port;
    return {
      problem: `Ingress ${route.ingress} ${plain.where} (${plain.host ?? '*'}${plain.path.path ?? '/'}) sends Service ${route.rootService} to port ${port?.number ?? port?.name}: it must name port "${USE_ANNOTATION}" so that the load balancer takes the weights from the ${ACTIONS_ANNOTATION_PREFIX}${route.rootService} annotation`,
    };
  }
  return {};
}

function forwardWeights(raw: string): Record<string, number> {
  try {
    const parsed = JSON.parse(raw) as Partial<ForwardAction>;
    return Object.fromEntries(
      (parsed.forwardConfig?.targetGroups ?? []).map((tg) => [tg.serviceName, Number(tg.weight ?? 1)]),
    );
  } catch {
    return {};
  }
}
