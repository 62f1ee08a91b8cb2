import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IngressRef, LoadBalancers } from '../../rollouts/ports/traffic';
import { awsCall, SDK_RETRY_OFF } from './aws-call';

/** The AWS Load Balancer Controller's tag naming the Ingress, Service and port a target group is for. */
export const RESOURCE_TAG = 'ingress.k8s.aws/resource';
/** DescribeTags takes at most 20 ARNs a call. */
const TAGS_PER_CALL = 20;

/** What does not change while an Ingress lives: its load balancer, listeners and target groups. */
interface Resolved {
  listenerArns: string[];
  /** `<ns>/<ingress>-<service>:<port>` → target group ARN */
  targetGroups: Map<string, string>;
}

/**
 * ELBv2 read back for ALB canaries: the load balancer by the DNS name the controller wrote into the Ingress, its
 * target groups by the controller's resource tag, the weights of the listener rule that forwards to them, and their
 * healthy targets. Read-only (every call is a Describe*). The load balancer's ARNs are kept per process: a canary's
 * step reads the rule and the target health only (two calls); anything not found is resolved again.
 */
export class Elbv2LoadBalancers implements LoadBalancers {
  private readonly resolved = new Map<string, Resolved>();

  constructor(
    private readonly elb: ElasticLoadBalancingV2Client = new ElasticLoadBalancingV2Client({ ...SDK_RETRY_OFF }),
  ) {}

  async forwardWeights(
    hostname: string,
    ref: IngressRef,
    services: string[],
    port: number,
  ): Promise<Record<string, number> | undefined> {
    const read = async (fresh: boolean) => {
      const resolved = await this.resolve(hostname, ref, fresh);
      if (!resolved) return undefined;
      const byArn = new Map(
        services.flatMap((service) => {
          const arn = resolved.targetGroups.get(resourceOf(ref, service, port));
          return arn ? [[arn, service] as const] : [];
        }),
      );
      if (byArn.size < services.length) return undefined;
      for (const ListenerArn of resolved.listenerArns) {
        const { Rules } = await awsCall('ELBv2 DescribeRules', () =>
          this.elb.send(new DescribeRulesCommand({ ListenerArn })),
        );
        for (const rule of Rules ?? []) {
          const forward = rule.Actions?.find((a) => a.Type === 'forward');
          const groups = forward?.ForwardConfig?.TargetGroups ?? [];
          if (!groups.some((g) => g.TargetGroupArn && byArn.has(g.TargetGroupArn))) continue;
          const weights: Record<string, number> = Object.fromEntries(services.map((s) => [s, 0]));
          for (const g of groups) {
            const service = g.TargetGroupArn ? byArn.get(g.TargetGroupArn) : undefined;
            if (service) weights[service] = g.Weight ?? 1;
          }
          return weights;
        }
      }
      return undefined;
    };
    return (await read(false).catch(() => undefined)) ?? read(true);
  }

  async healthyTargets(hostname: string, ref: IngressRef, service: string, port: number): Promise<number> {
    const count = async (fresh: boolean) => {
      const arn = (await this.resolve(hostname, ref, fresh))?.targetGroups.get(resourceOf(ref, service, port));
      if (!arn) return undefined;
      const { TargetHealthDescriptions } = await awsCall('ELBv2 DescribeTargetHealth', () =>
        this.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
      );
      return (TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').length;
    };
    return (await count(false).catch(() => undefined)) ?? (await count(true)) ?? 0;
  }

  /** The Ingress's load balancer, listeners and target groups; `fresh` reads them again. */
  private async resolve(hostname: string, ref: IngressRef, fresh: boolean): Promise<Resolved | undefined> {
    const key = `${hostname}|${ref.namespace}/${ref.ingress}`;
    const known = this.resolved.get(key);
    if (known && !fresh) return known;
    const loadBalancerArn = await this.loadBalancerOf(hostname);
    if (!loadBalancerArn) return undefined;
    const { Listeners } = await awsCall('ELBv2 DescribeListeners', () =>
      this.elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn })),
    );
    const { TargetGroups } = await awsCall('ELBv2 DescribeTargetGroups', () =>
      this.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: loadBalancerArn })),
    );
    const arns = (TargetGroups ?? []).flatMap((g) => (g.TargetGroupArn ? [g.TargetGroupArn] : []));
    // Target groups not yet used by a rule are not the load balancer's in DescribeTargetGroups: fetch them all.
    const all = arns.length > 0 ? arns : await this.allTargetGroups();
    const targetGroups = new Map<string, string>();
    for (let i = 0; i < all.length; i += TAGS_PER_CALL) {
      const { TagDescriptions } = await awsCall('ELBv2 DescribeTags', () =>
        this.elb.send(new DescribeTagsCommand({ ResourceArns: all.slice(i, i + TAGS_PER_CALL) })),
      );
      for (const d of TagDescriptions ?? []) {
        const resource = d.Tags?.find((t) => t.Key === RESOURCE_TAG)?.Value;
        if (resource && d.ResourceArn && resource.startsWith(`${ref.namespace}/${ref.ingress}-`))
          targetGroups.set(resource, d.ResourceArn);
      }
    }
    const resolved = {
      listenerArns: (Listeners ?? []).flatMap((l) => (l.ListenerArn ? [l.ListenerArn] : [])),
      targetGroups,
    };
    this.resolved.set(key, resolved);
    return resolved;
  }

  private async loadBalancerOf(hostname: string): Promise<string | undefined> {
    let Marker: string | undefined;
    do {
      const page = await awsCall('ELBv2 DescribeLoadBalancers', () =>
        this.elb.send(new DescribeLoadBalancersCommand({ Marker })),
      );
      const found = page.LoadBalancers?.find((lb) => lb.DNSName?.toLowerCase() === hostname.toLowerCase());
      if (found?.LoadBalancerArn) return found.LoadBalancerArn;
      Marker = page.NextMarker;
    } while (Marker);
    return undefined;
  }

  private async allTargetGroups(): Promise<string[]> {
    const arns: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await awsCall('ELBv2 DescribeTargetGroups', () =>
        this.elb.send(new DescribeTargetGroupsCommand({ Marker })),
      );
      arns.push(...(page.TargetGroups ?? []).flatMap((g) => (g.TargetGroupArn ? [g.TargetGroupArn] : [])));
      Marker = page.NextMarker;
    } while (Marker);
    return arns;
  }
}

/** The controller's resource tag value for one Service and port of an Ingress. */
export function resourceOf(ref: IngressRef, service: string, port: number): string {
  return `${ref.namespace}/${ref.ingress}-${service}:${port}`;
}

/** The client this adapter is built with, for the wiring that requires the adapter on first use. */
export { ElasticLoadBalancingV2Client };
