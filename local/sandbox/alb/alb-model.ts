import { createHash } from 'node:crypto';
import type { V1Ingress, V1Pod, V1Service } from '@kubernetes/client-node';
// The controller's documented names, as eksflow's adapters read them: one spelling for both sides.
import { RESOURCE_TAG } from '../../../core/adapters/aws/elbv2-load-balancers';
import { ACTIONS_ANNOTATION_PREFIX, USE_ANNOTATION } from '../../../core/adapters/kube/kube-ingresses';

/**
 * What the AWS Load Balancer Controller (v2) makes of one Ingress of class `alb`, computed from the Ingress, its
 * Services and their pods: the pure half of the sandbox's stand-in (alb-controller.ts applies it on ELBv2).
 * Names, tags and the actions annotation follow the controller's documentation:
 * - one ALB per Ingress (`k8s-<ns>-<name>-<hash>`), one HTTP listener on port 80 whose default action is a 404;
 * - one target group of type `ip` per Service and port the Ingress sends traffic to, tagged
 *   `ingress.k8s.aws/resource: <ns>/<ingress>-<service>:<port>`;
 * - one listener rule per path, in order; a backend whose port is named `use-annotation` takes its action from
 *   `alb.ingress.kubernetes.io/actions.<service>` (a forward action over weighted target groups);
 * - a Service's Ready pods are its target group's targets (pod IP, the Service's target port).
 */

export const ALB_INGRESS_CLASS = 'alb';
/** Sandbox only: how long this Ingress's changes take to reach the load balancer (a slow or stuck controller). */
export const RECONCILE_DELAY_ANNOTATION = 'sandbox.eksflow.io/alb-reconcile-delay-seconds';
export const CLUSTER_TAG = 'elbv2.k8s.aws/cluster';
export const STACK_TAG = 'ingress.k8s.aws/stack';

export interface DesiredTargetGroup {
  /** `<service>:<port>` as the Ingress names it. */
  key: string;
  name: string;
  service: string;
  port: string;
  tags: Record<string, string>;
  targets: { id: string; port: number }[];
}

export interface DesiredRule {
  priority: number;
  path: string;
  host?: string;
  /** Target group keys with their weights (a plain backend: one at weight 1). */
  forward: { key: string; weight: number }[];
}

export interface DesiredAlb {
  /** `<ns>/<name>` */
  stack: string;
  name: string;
  tags: Record<string, string>;
  targetGroups: DesiredTargetGroup[];
  rules: DesiredRule[];
  /** What the controller could not make of the Ingress (it then changes nothing), as its events would say. */
  problems: string[];
}

interface ForwardAnnotation {
  type?: string;
  forwardConfig?: { targetGroups?: { serviceName?: string; servicePort?: string | number; weight?: number }[] };
}

export function isAlbIngress(ingress: V1Ingress): boolean {
  return (
    ingress.spec?.ingressClassName === ALB_INGRESS_CLASS ||
    ingress.metadata?.annotations?.['kubernetes.io/ingress.class'] === ALB_INGRESS_CLASS
  );
}

/** The controller's reconcile delay for this Ingress: its annotation, else the default; a bad value is the default. */
export function reconcileDelayMs(ingress: V1Ingress, defaultSeconds: number): number {
  const raw = ingress.metadata?.annotations?.[RECONCILE_DELAY_ANNOTATION];
  const seconds = raw === undefined ? Number.NaN : Number(raw);
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : defaultSeconds) * 1000;
}

/** A name within ELBv2's 32 characters, stable for the same input: `k8s-<a8>-<b8>-<hash10>`. */
export function elbName(a: string, b: string, ...rest: string[]): string {
  const hash = createHash('sha256')
    .update([a, b, ...rest].join('\0'))
    .digest('hex')
    .slice(0, 10);
  const part = (s: string) => s.replace(/[^a-zA-Z0-9]/g, '').slice(0, 8);
  return `k8s-${part(a)}-${part(b)}-${hash}`;
}

export function desiredAlb(
  cluster: string,
  ingress: V1Ingress,
  services: (name: string) => V1Service | undefined,
  pods: V1Pod[],
): DesiredAlb {
  const ns = ingress.metadata?.namespace ?? 'default';
  const ingressName = ingress.metadata?.name ?? '';
  const stack = `${ns}/${ingressName}`;
  const problems: string[] = [];
  const groups = new Map<string, DesiredTargetGroup>();
  const groupOf = (service: string, port: string): string => {
    const key = `${service}:${port}`;
    if (!groups.has(key)) {
      groups.set(key, {
        key,
        name: elbName(ns, service, cluster, ingressName, port),
        service,
        port,
        tags: { [CLUSTER_TAG]: cluster, [STACK_TAG]: stack, [RESOURCE_TAG]: `${stack}-${key}` },
        targets: targetsOf(services(service), port, pods),
      });
    }
    return key;
  };
  const rules: DesiredRule[] = [];
  for (const rule of ingress.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      const backend = path.backend.service;
      if (!backend) continue;
      const where = `rule ${rules.length + 1} (${rule.host ?? '*'}${path.path ?? '/'})`;
      let forward: DesiredRule['forward'];
      if (backend.port?.name === USE_ANNOTATION) {
        const annotation = ingress.metadata?.annotations?.[`${ACTIONS_ANNOTATION_PREFIX}${backend.name}`];
        const parsed = parseForward(annotation);
        if (typeof parsed === 'string') {
          problems.push(`${where}: ${parsed}`);
          continue;
        }
        forward = parsed.map((tg) => ({ key: groupOf(tg.service, tg.port), weight: tg.weight }));
      } else {
        const port = backend.port?.number ?? backend.port?.name;
        if (port === undefined) {
          problems.push(`${where}: backend ${backend.name} names no port`);
          continue;
        }
        forward = [{ key: groupOf(backend.name, String(port)), weight: 1 }];
      }
      rules.push({
        priority: rules.length + 1,
        path: wildcardOf(path.path ?? '/', path.pathType),
        ...(rule.host ? { host: rule.host } : {}),
        forward,
      });
    }
  }
  return {
    stack,
    name: elbName(ns, ingressName, cluster),
    tags: { [CLUSTER_TAG]: cluster, [STACK_TAG]: stack },
    targetGroups: [...groups.values()],
    rules,
    problems,
  };
}

function parseForward(annotation: string | undefined): { service: string; port: string; weight: number }[] | string {
  if (annotation === undefined) return 'the backend port is use-annotation, but the actions annotation is missing';
  let parsed: ForwardAnnotation;
  try {
    parsed = JSON.parse(annotation) as ForwardAnnotation;
  } catch {
    return 'the actions annotation is not JSON';
  }
  const targetGroups = parsed.forwardConfig?.targetGroups;
  if (parsed.type !== 'forward' || !Array.isArray(targetGroups) || targetGroups.length === 0)
    return 'the actions annotation is not a forward action with targetGroups';
  const out: { service: string; port: string; weight: number }[] = [];
  for (const tg of targetGroups) {
    if (!tg.serviceName || tg.servicePort === undefined) return 'a target group names no serviceName and servicePort';
    out.push({ service: tg.serviceName, port: String(tg.servicePort), weight: tg.weight ?? 1 });
  }
  return out;
}

/** The ALB path condition for an Ingress path: Prefix `/x` matches `/x` and below. */
function wildcardOf(path: string, pathType: string | undefined): string {
  if (pathType === 'Exact') return path;
  return path === '/' ? '/*' : `${path.replace(/\/$/, '')}*`;
}

/** The Ready pods the Service selects, at the target port its port maps to. */
function targetsOf(service: V1Service | undefined, port: string, pods: V1Pod[]): { id: string; port: number }[] {
  const selector = service?.spec?.selector;
  if (!service || !selector || Object.keys(selector).length === 0) return [];
  const servicePort = service.spec?.ports?.find((p) => String(p.port) === port || p.name === port);
  const targetPort = servicePort?.targetPort ?? servicePort?.port;
  const targets: { id: string; port: number }[] = [];
  for (const pod of pods) {
    if (pod.metadata?.namespace !== service.metadata?.namespace || pod.metadata?.deletionTimestamp) continue;
    const labels = pod.metadata?.labels ?? {};
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready || !pod.status?.podIP) continue;
    targets.push({ id: pod.status.podIP, port: resolvePort(targetPort, pod) });
  }
  return targets.sort((a, b) => a.id.localeCompare(b.id));
}

function resolvePort(targetPort: number | string | undefined, pod: V1Pod): number {
  if (typeof targetPort === 'number') return targetPort;
  const named = pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === targetPort);
  return named?.containerPort ?? 80;
}
