import type { AlbRouting } from '../domain/types';

/** An Ingress as ALB traffic routing reads it. */
export interface IngressView {
  name: string;
  /** Optimistic-concurrency token: a write made from this view fails with VersionConflictError if it is stale. */
  resourceVersion: string;
  /** The load balancer's DNS name, once the AWS Load Balancer Controller has written it into the status. */
  hostname?: string;
  /**
   * Why the Ingress cannot carry the rollout's weights: no rule sends `rootService` to the actions annotation
   * (`port.name: use-annotation`). Names the rule.
   */
  problem?: string;
  /** The actions annotation's forward weights by Service name; undefined when there is no such annotation. */
  weights?: Record<string, number>;
  /** Whether the Ingress has any annotations (a write then adds the map first). */
  hasAnnotations?: boolean;
}

/** The Ingress that carries a canary's traffic split as the AWS Load Balancer Controller's actions annotation. */
export interface Ingresses {
  getIngress(cluster: string, namespace: string, route: AlbRouting): Promise<IngressView | undefined>;
  /**
   * Writes `alb.ingress.kubernetes.io/actions.<rootService>` as a forward action over these Services (each at
   * `route.servicePort`), from the view it was decided from.
   */
  setForwardWeights(
    cluster: string,
    namespace: string,
    from: IngressView,
    route: AlbRouting,
    weights: { service: string; weight: number }[],
  ): Promise<void>;
}

/** Which Ingress a load balancer belongs to: the controller tags its resources with it. */
export interface IngressRef {
  namespace: string;
  ingress: string;
}

/**
 * ELBv2 as the AWS Load Balancer Controller left it: what the listener forwards and to how many healthy targets.
 * Read back after every change, so that a step is done only when the load balancer agrees.
 */
export interface LoadBalancers {
  /**
   * The weights of the listener rule that forwards to these Services' target groups (at `port`), by Service; undefined
   * while there is no such load balancer, target group or rule.
   */
  forwardWeights(
    hostname: string,
    ref: IngressRef,
    services: string[],
    port: number,
  ): Promise<Record<string, number> | undefined>;
  /** Healthy targets in the Service's target group (0 when there is no target group yet). */
  healthyTargets(hostname: string, ref: IngressRef, service: string, port: number): Promise<number>;
}
