import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  type Action,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
  ModifyRuleCommand,
  RegisterTargetsCommand,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CoreV1Api,
  type KubeConfig,
  type Informer as KubeInformer,
  type KubernetesObject,
  makeInformer,
  NetworkingV1Api,
  type V1Ingress,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { kubeApiClient, kubeConfigFor } from '../../../core/adapters/kube/kube-clients';
import { present } from '../../../core/kernel/invariant';
import type { ControlPlane } from '../control-plane';
import { type DesiredAlb, type DesiredRule, desiredAlb, isAlbIngress, reconcileDelayMs } from './alb-model';

type AwsClientConfig = {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

export interface AlbControllerOptions {
  aws: AwsClientConfig;
  /** Seconds from a change until the load balancer shows it, unless the Ingress's annotation says otherwise. */
  defaultDelaySeconds?: number;
  progress: (line: string) => void;
}

type Informer = KubeInformer<KubernetesObject>;

/** A failed pass is tried again this long after (a throttled call, an object read mid-change). */
const RETRY_MS = 1000;

interface Watched {
  cluster: string;
  config: KubeConfig;
  ingresses: ReturnType<typeof makeInformer<V1Ingress>>;
  services: ReturnType<typeof makeInformer<V1Service>>;
  pods: ReturnType<typeof makeInformer<V1Pod>>;
  /** Ingress key `<ns>/<name>` → its pending pass. */
  pending: Map<string, NodeJS.Timeout>;
  /** Passes of one cluster run one at a time (two would both create the same load balancer). */
  chain: Promise<void>;
  /** What each Ingress was last applied as, so that its load balancer can go when it goes. */
  applied: Map<string, DesiredAlb>;
  subnets?: string[];
  /**
   * The Services and pods are watched only from the cluster's first `alb` Ingress on: most clusters have none, and
   * following every pod of every cluster cost the whole test suite time (a decode per pod event).
   */
  following?: Promise<void>;
  /** The Services' and pods' first lists are in: a pass may judge targets from them. */
  followed?: boolean;
  stopped: boolean;
}

/**
 * The sandbox's AWS Load Balancer Controller: for each Ingress of class `alb` in each sandbox cluster, an ALB with
 * an HTTP listener, a target group per backend Service and port, the listener rules (weights from the actions
 * annotation), and the Services' Ready pods as targets, on the emulator's ELBv2 (the emulator reports registered
 * targets healthy); the ALB's DNS name goes into the Ingress status. It follows the cluster by watches (Ingresses,
 * Services, pods) and applies a change after the Ingress's reconcile delay (`alb-model.ts`), as a slow controller
 * would; an Ingress that goes takes its load balancer and target groups with it.
 */
export class AlbController {
  private readonly elb: ElasticLoadBalancingV2Client;
  private readonly eks: EKSClient;
  private readonly clusters = new Map<string, Watched>();

  constructor(private readonly options: AlbControllerOptions) {
    this.elb = new ElasticLoadBalancingV2Client(options.aws);
    this.eks = new EKSClient(options.aws);
  }

  /** Starts following a cluster's control plane (a replaced one: call again). */
  async attach(cluster: string, controlPlane: ControlPlane): Promise<void> {
    await this.detach(cluster);
    const config = kubeConfigFor(cluster, controlPlane);
    const core = kubeApiClient(config, CoreV1Api);
    const networking = kubeApiClient(config, NetworkingV1Api);
    const watched: Watched = {
      cluster,
      config,
      ingresses: makeInformer(config, '/apis/networking.k8s.io/v1/ingresses', () =>
        networking.listIngressForAllNamespaces(),
      ),
      services: makeInformer(config, '/api/v1/services', () => core.listServiceForAllNamespaces()),
      pods: makeInformer(config, '/api/v1/pods', () => core.listPodForAllNamespaces()),
      pending: new Map(),
      chain: Promise.resolve(),
      applied: new Map(),
      stopped: false,
    };
    this.clusters.set(cluster, watched);
    const changed = () => this.schedule(watched);
    watched.ingresses.on('change', changed);
    watched.services.on('change', changed);
    watched.pods.on('change', changed);
    for (const informer of [watched.ingresses, watched.services, watched.pods] as Informer[]) {
      informer.on('error', () => {
        // The watch broke (a control plane restarting): start it again unless this cluster is no longer followed.
        if (!watched.stopped) setTimeout(() => void informer.start().catch(() => undefined), RETRY_MS);
      });
    }
    // Until the first `alb` Ingress, only Ingresses are watched (see `following`).
    watched.ingresses.on('delete', (ingress) => this.forget(watched, keyOf(ingress)));
    await watched.ingresses.start();
    this.schedule(watched);
  }

  async detach(cluster: string): Promise<void> {
    const watched = this.clusters.get(cluster);
    if (!watched) return;
    this.clusters.delete(cluster);
    watched.stopped = true;
    for (const timer of watched.pending.values()) clearTimeout(timer);
    await Promise.allSettled([watched.ingresses.stop(), watched.services.stop(), watched.pods.stop()]);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clusters.keys()].map((cluster) => this.detach(cluster)));
    this.elb.destroy();
    this.eks.destroy();
  }

  /** Every `alb` Ingress of the cluster gets a pass after its delay, unless one is already due. */
  private schedule(watched: Watched): void {
    if (watched.stopped) return;
    const albIngresses = watched.ingresses.list().filter(isAlbIngress);
    if (albIngresses.length === 0) return;
    if (!watched.following) {
      // Passes begin once the Services and pods are known (their watches' first lists).
      watched.following = Promise.all([watched.services.start(), watched.pods.start()]).then(
        () => {
          watched.followed = true;
          this.schedule(watched);
        },
        (error: Error) => {
          watched.following = undefined;
          this.options.progress(`alb controller: ${watched.cluster}: ${error.message}`);
          setTimeout(() => this.schedule(watched), RETRY_MS);
        },
      );
      return;
    }
    if (!watched.followed) return;
    for (const ingress of albIngresses) {
      const key = keyOf(ingress);
      this.later(watched, key, reconcileDelayMs(ingress, this.options.defaultDelaySeconds ?? 0));
    }
  }

  /** A pass for the Ingress after `ms`, unless one is already due. */
  private later(watched: Watched, key: string, ms: number): void {
    if (watched.stopped || watched.pending.has(key)) return;
    watched.pending.set(
      key,
      setTimeout(() => {
        watched.pending.delete(key);
        this.enqueue(watched, key);
      }, ms),
    );
  }

  private enqueue(watched: Watched, key: string): void {
    watched.chain = watched.chain.then(async () => {
      if (watched.stopped) return;
      try {
        await this.reconcile(watched, key);
      } catch (error) {
        this.options.progress(`alb controller: ${watched.cluster} ${key}: ${(error as Error).message}`);
        this.later(watched, key, RETRY_MS);
      }
    });
  }

  private async reconcile(watched: Watched, key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const ingress = watched.ingresses.get(name, namespace);
    if (!ingress || !isAlbIngress(ingress)) return;
    const services = (service: string) => watched.services.get(service, namespace);
    const desired = desiredAlb(watched.cluster, ingress, services, [...watched.pods.list(namespace)]);
    if (desired.problems.length > 0) {
      // The real controller records these as Ingress events and changes nothing.
      this.options.progress(`alb controller: ${watched.cluster} ${key}: ${desired.problems.join('; ')}`);
      return;
    }
    const lb = await this.ensureLoadBalancer(watched, desired);
    const listenerArn = await this.ensureListener(present(lb.LoadBalancerArn, 'a load balancer ARN'));
    const arns = new Map<string, string>();
    for (const group of desired.targetGroups) {
      const arn = await this.ensureTargetGroup(group.name, Number(group.port) || 80, lb.VpcId, group.tags);
      arns.set(group.key, arn);
      await this.syncTargets(arn, group.targets);
    }
    await this.syncRules(listenerArn, desired.rules, arns);
    watched.applied.set(key, desired);
    await this.writeHostname(watched, ingress, present(lb.DNSName, "a load balancer's DNS name"));
  }

  private async ensureLoadBalancer(watched: Watched, desired: DesiredAlb): Promise<LoadBalancer> {
    const found = await this.loadBalancerNamed(desired.name);
    if (found) return found;
    watched.subnets ??= await this.subnetsOf(watched.cluster);
    const created = await this.elb.send(
      new CreateLoadBalancerCommand({
        Name: desired.name,
        Type: 'application',
        Scheme: 'internet-facing',
        Subnets: watched.subnets,
        Tags: tagList(desired.tags),
      }),
    );
    return present(created.LoadBalancers?.[0], 'the created load balancer');
  }

  private async loadBalancerNamed(name: string): Promise<LoadBalancer | undefined> {
    try {
      const { LoadBalancers } = await this.elb.send(new DescribeLoadBalancersCommand({ Names: [name] }));
      return LoadBalancers?.[0];
    } catch (error) {
      if ((error as Error).name === 'LoadBalancerNotFoundException') return undefined;
      throw error;
    }
  }

  private async subnetsOf(cluster: string): Promise<string[]> {
    const { cluster: described } = await this.eks.send(new DescribeClusterCommand({ name: cluster }));
    return described?.resourcesVpcConfig?.subnetIds ?? [];
  }

  private async ensureListener(loadBalancerArn: string): Promise<string> {
    const { Listeners } = await this.elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
    const http = Listeners?.find((l) => l.Port === 80);
    if (http?.ListenerArn) return http.ListenerArn;
    const created = await this.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' } },
        ],
      }),
    );
    return present(created.Listeners?.[0]?.ListenerArn, 'the created listener');
  }

  private async ensureTargetGroup(
    name: string,
    port: number,
    vpcId: string | undefined,
    tags: Record<string, string>,
  ): Promise<string> {
    try {
      const { TargetGroups } = await this.elb.send(new DescribeTargetGroupsCommand({ Names: [name] }));
      const arn = TargetGroups?.[0]?.TargetGroupArn;
      if (arn) return arn;
    } catch (error) {
      if ((error as Error).name !== 'TargetGroupNotFoundException') throw error;
    }
    const created = await this.elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: port,
        VpcId: vpcId,
        TargetType: 'ip',
        Tags: tagList(tags),
      }),
    );
    return present(created.TargetGroups?.[0]?.TargetGroupArn, 'the created target group');
  }

  /** Registers the Ready pods that are not targets yet, then deregisters the targets that are no longer Ready pods. */
  private async syncTargets(targetGroupArn: string, targets: { id: string; port: number }[]): Promise<void> {
    const { TargetHealthDescriptions } = await this.elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
    );
    const current = (TargetHealthDescriptions ?? []).flatMap((d) =>
      d.Target?.Id ? [{ id: d.Target.Id, port: d.Target.Port ?? 80 }] : [],
    );
    const same = (a: { id: string; port: number }, b: typeof a) => a.id === b.id && a.port === b.port;
    const add = targets.filter((t) => !current.some((c) => same(c, t)));
    const remove = current.filter((c) => !targets.some((t) => same(c, t)));
    if (add.length > 0)
      await this.elb.send(
        new RegisterTargetsCommand({
          TargetGroupArn: targetGroupArn,
          Targets: add.map((t) => ({ Id: t.id, Port: t.port })),
        }),
      );
    if (remove.length > 0)
      await this.elb.send(
        new DeregisterTargetsCommand({
          TargetGroupArn: targetGroupArn,
          Targets: remove.map((t) => ({ Id: t.id, Port: t.port })),
        }),
      );
  }

  private async syncRules(listenerArn: string, rules: DesiredRule[], arns: Map<string, string>): Promise<void> {
    const { Rules } = await this.elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    const existing = new Map((Rules ?? []).filter((r) => !r.IsDefault).map((r) => [r.Priority, r]));
    for (const rule of rules) {
      const actions: Action[] = [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: rule.forward.map((f) => ({
              TargetGroupArn: present(arns.get(f.key), 'a target group made above'),
              Weight: f.weight,
            })),
          },
        },
      ];
      const conditions: RuleCondition[] = [
        { Field: 'path-pattern', PathPatternConfig: { Values: [rule.path] } },
        ...(rule.host ? [{ Field: 'host-header', HostHeaderConfig: { Values: [rule.host] } }] : []),
      ];
      const found = existing.get(String(rule.priority));
      existing.delete(String(rule.priority));
      const want = JSON.stringify(weightsOf(actions));
      if (found && JSON.stringify(weightsOf(found.Actions ?? [])) === want) continue;
      // A rule's action changes in one call, so the weights move at once, as the controller's ModifyRule does.
      if (found?.RuleArn) {
        await this.elb.send(
          new ModifyRuleCommand({ RuleArn: found.RuleArn, Conditions: conditions, Actions: actions }),
        );
        continue;
      }
      await this.elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: rule.priority,
          Conditions: conditions,
          Actions: actions,
        }),
      );
    }
    for (const stale of existing.values())
      if (stale.RuleArn) await this.elb.send(new DeleteRuleCommand({ RuleArn: stale.RuleArn }));
  }

  private async writeHostname(watched: Watched, ingress: V1Ingress, hostname: string): Promise<void> {
    if (ingress.status?.loadBalancer?.ingress?.[0]?.hostname === hostname) return;
    const networking = kubeApiClient(watched.config, NetworkingV1Api);
    await networking.replaceNamespacedIngressStatus({
      name: present(ingress.metadata?.name, "an Ingress's name"),
      namespace: present(ingress.metadata?.namespace, "an Ingress's namespace"),
      body: { ...ingress, status: { loadBalancer: { ingress: [{ hostname }] } } },
    });
  }

  /** An Ingress that went: its load balancer and target groups go too. */
  private forget(watched: Watched, key: string): void {
    const applied = watched.applied.get(key);
    watched.applied.delete(key);
    if (!applied) return;
    watched.chain = watched.chain.then(async () => {
      try {
        const lb = await this.loadBalancerNamed(applied.name);
        if (lb?.LoadBalancerArn)
          await this.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
        for (const group of applied.targetGroups) {
          const { TargetGroups } = await this.elb
            .send(new DescribeTargetGroupsCommand({ Names: [group.name] }))
            .catch(() => ({ TargetGroups: [] }));
          const arn = TargetGroups?.[0]?.TargetGroupArn;
          if (arn) await this.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
        }
      } catch (error) {
        this.options.progress(`alb controller: ${watched.cluster} ${key}: ${(error as Error).message}`);
      }
    });
  }
}

function keyOf(ingress: V1Ingress): string {
  return `${ingress.metadata?.namespace ?? 'default'}/${ingress.metadata?.name ?? ''}`;
}

function tagList(tags: Record<string, string>) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** A forward action as target group ARN → weight: what two rules must agree on. */
function weightsOf(actions: Action[]): Record<string, number> {
  const forward = actions.find((a) => a.Type === 'forward');
  const groups = forward?.ForwardConfig?.TargetGroups ?? [];
  if (groups.length === 0 && forward?.TargetGroupArn) return { [forward.TargetGroupArn]: 1 };
  return Object.fromEntries(groups.map((g) => [g.TargetGroupArn ?? '', g.Weight ?? 1]));
}
