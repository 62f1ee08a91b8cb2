import { VersionConflictError } from '../../core/kernel/errors';
import type { AlbRouting } from '../../core/rollouts/domain/types';
import type { Ingresses, IngressRef, IngressView, LoadBalancers } from '../../core/rollouts/ports/traffic';

/**
 * An Ingress and its load balancer in memory, for unit tests of ALB canaries: the Ingress holds the weights a
 * rollout wrote; the load balancer shows them after `applyAll()` (or at once when `instant`), and each Service's
 * healthy targets are what the test sets. No Ingress until `addIngress`.
 */
export class FakeAlb implements Ingresses, LoadBalancers {
  private ingress: { name: string; version: number; weights?: Record<string, number>; problem?: string } | undefined;
  private applied: Record<string, number> | undefined;
  readonly healthy = new Map<string, number>();
  instant = true;
  writes = 0;

  addIngress(name: string, options: { problem?: string } = {}): this {
    this.ingress = { name, version: 1, ...options };
    return this;
  }

  applyAll(): void {
    this.applied = this.ingress?.weights ? { ...this.ingress.weights } : undefined;
  }

  async getIngress(_cluster: string, _namespace: string, route: AlbRouting): Promise<IngressView | undefined> {
    const ingress = this.ingress;
    if (!ingress || ingress.name !== route.ingress) return undefined;
    return {
      name: ingress.name,
      resourceVersion: String(ingress.version),
      hostname: 'k8s-test.elb.example',
      ...(ingress.problem ? { problem: ingress.problem } : {}),
      ...(ingress.weights ? { weights: { ...ingress.weights } } : {}),
    };
  }

  async setForwardWeights(
    _cluster: string,
    _namespace: string,
    from: IngressView,
    _route: AlbRouting,
    weights: { service: string; weight: number }[],
  ): Promise<void> {
    const ingress = this.ingress;
    if (!ingress || String(ingress.version) !== from.resourceVersion)
      throw new VersionConflictError(`ingress ${from.name} changed since it was read`);
    ingress.weights = Object.fromEntries(weights.map((w) => [w.service, w.weight]));
    ingress.version += 1;
    this.writes += 1;
    if (this.instant) this.applyAll();
  }

  async forwardWeights(
    _hostname: string,
    _ref: IngressRef,
    services: string[],
  ): Promise<Record<string, number> | undefined> {
    const applied = this.applied;
    if (!applied) return undefined;
    return Object.fromEntries(services.map((s) => [s, applied[s] ?? 0]));
  }

  async healthyTargets(_hostname: string, _ref: IngressRef, service: string): Promise<number> {
    return this.healthy.get(service) ?? 0;
  }
}
