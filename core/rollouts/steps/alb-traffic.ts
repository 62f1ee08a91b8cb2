import { POD_TEMPLATE_HASH_LABEL, REVISION_LABEL } from '../domain/names';
import { sameLabels } from '../domain/rollout';
import type { AlbRouting, CanaryRollout, CanaryScale, Rollout } from '../domain/types';
import type { Ingresses, IngressRef, IngressView, LoadBalancers } from '../ports/traffic';
import type { Workloads } from '../ports/workloads';

/*
 * ALB traffic routing, the moves both directions share: where the load balancer stands, shifting weight with a
 * read-back, and the Services' selectors. The rule behind every move (zero 503s): a target group is given weight
 * only once it has healthy targets, weights move before selectors, and weight leaves a target group before its pods do.
 */

/**
 * How long the AWS Load Balancer Controller may take to show a weight the Ingress asks for before the rollout
 * pauses with that reason (it reconciles in seconds when healthy; a stuck one must not hold a rollout forever).
 */
export const ALB_APPLY_SECONDS = 120;
/** How often a pass reads the load balancer back while it waits for it. */
export const ALB_POLL_SECONDS = 1;

export interface AlbDeps {
  workloads: Workloads;
  ingresses: Ingresses;
  loadBalancers: LoadBalancers;
}

/** The ALB route of an ALB canary, with its two Services. */
export interface AlbRoute {
  routing: AlbRouting;
  stableService: string;
  canaryService: string;
}

export function albRouteOf(r: CanaryRollout): AlbRoute | undefined {
  const { trafficRouting, stableService, canaryService } = r.request.canary;
  if (trafficRouting === 'replicas' || !stableService || !canaryService) return undefined;
  return { routing: trafficRouting.alb, stableService, canaryService };
}

/** Where traffic stands: the Ingress, and the weights the load balancer applies (undefined until it has a rule). */
export interface TrafficState {
  ingress: IngressView;
  /** Percent to the canary as the load balancer forwards it; undefined while it has no such rule. */
  lbCanary?: number;
  lbStable?: number;
}

export function refOf(r: Rollout, route: AlbRoute): IngressRef {
  return { namespace: r.namespace, ingress: route.routing.ingress };
}

export async function readTraffic(
  deps: AlbDeps,
  r: Rollout,
  route: AlbRoute,
): Promise<TrafficState | { missing: string }> {
  const ingress = await deps.ingresses.getIngress(r.cluster, r.namespace, route.routing);
  if (!ingress) return { missing: `Ingress ${route.routing.ingress} was deleted` };
  if (ingress.problem) return { missing: ingress.problem };
  if (!ingress.hostname) return { ingress };
  const weights = await deps.loadBalancers.forwardWeights(
    ingress.hostname,
    refOf(r, route),
    [route.stableService, route.canaryService],
    route.routing.servicePort,
  );
  if (!weights) return { ingress };
  const canary = weights[route.canaryService] ?? 0;
  const stable = weights[route.stableService] ?? 0;
  const total = canary + stable;
  if (total === 0) return { ingress };
  return { ingress, lbCanary: Math.round((canary * 100) / total), lbStable: 100 - Math.round((canary * 100) / total) };
}

export async function healthyTargets(deps: AlbDeps, r: Rollout, route: AlbRoute, state: TrafficState, service: string) {
  if (!state.ingress.hostname) return 0;
  return deps.loadBalancers.healthyTargets(state.ingress.hostname, refOf(r, route), service, route.routing.servicePort);
}

/**
 * What a shift to `canary` percent needs next: `verified` when the load balancer forwards exactly that; otherwise
 * the Ingress is written (if it asks for something else) and the pass waits for the controller.
 */
export async function shiftTo(
  deps: AlbDeps,
  r: Rollout,
  route: AlbRoute,
  state: TrafficState,
  canary: number,
): Promise<'verified' | 'written' | 'waiting'> {
  if (state.lbCanary === canary) return 'verified';
  const wanted = { [route.stableService]: 100 - canary, [route.canaryService]: canary };
  const asked = state.ingress.weights ?? {};
  if (asked[route.stableService] === wanted[route.stableService] && asked[route.canaryService] === canary)
    return 'waiting';
  await deps.ingresses.setForwardWeights(r.cluster, r.namespace, state.ingress, route.routing, [
    { service: route.stableService, weight: 100 - canary },
    { service: route.canaryService, weight: canary },
  ]);
  return 'written';
}

/** Canary replicas for a weight under the rollout's `setCanaryScale` (default: its share of N, at least 1 if it gets traffic). */
export function canaryReplicas(n: number, weight: number, scale: CanaryScale | undefined): number {
  const share = (percent: number) => Math.min(n, Math.ceil((n * percent) / 100));
  const wanted =
    scale && 'replicas' in scale ? scale.replicas : scale && 'weight' in scale ? share(scale.weight) : share(weight);
  // A target group with weight and no targets answers 503: a canary that gets traffic keeps a pod.
  return weight > 0 ? Math.max(1, wanted) : wanted;
}

/** The stable Service pinned to one ReplicaSet of the stable Deployment. */
export function stablePinned(r: Rollout, hash: string | undefined): Record<string, string> {
  return { ...r.stable.stableServiceSelector, ...(hash ? { [POD_TEMPLATE_HASH_LABEL]: hash } : {}) };
}

/** The canary Service selecting the new version's pods only. */
export function canarySelected(r: Rollout): Record<string, string> {
  return { ...r.stable.canaryServiceSelector, [REVISION_LABEL]: r.revision };
}

/** Sets a Service's selector when it differs; true when it wrote. */
export async function ensureSelector(
  deps: AlbDeps,
  r: Rollout,
  service: string,
  selector: Record<string, string>,
): Promise<boolean> {
  const current = await deps.workloads.getService(r.cluster, r.namespace, service);
  if (!current || sameLabels(current.selector, selector)) return false;
  await deps.workloads.setServiceSelector(r.cluster, r.namespace, current, selector);
  return true;
}
