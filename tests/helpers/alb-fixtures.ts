import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { kubeApiClient } from '../../core/adapters/kube/kube-clients';
import { type App, type AppOptions, createApp } from './rollout-fixtures';
import { awsClientConfig, eventually, kube } from './stack';

/*
 * An app behind an ALB in the sandbox, and what its load balancer does, read straight from the emulator's ELBv2
 * (not through eksflow's adapter): what a person would see with `aws elbv2 describe-rules`.
 */

export const STABLE_SERVICE = 'web-stable';
export const CANARY_SERVICE = 'web-canary';

/** `createApp`'s Deployment `web` and Service `web`, plus `web-stable`, `web-canary` and an `alb` Ingress `web`. */
export async function createAlbApp(
  options: AppOptions & { rule?: 'use-annotation' | 'plain'; delaySeconds?: number } = {},
): Promise<App & { hostname: string }> {
  const app = await createApp(options);
  const { core } = kube();
  for (const name of [STABLE_SERVICE, CANARY_SERVICE])
    await core.createNamespacedService({
      namespace: app.namespace,
      body: { metadata: { name }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
    });
  const action = {
    type: 'forward',
    forwardConfig: {
      targetGroups: [
        { serviceName: STABLE_SERVICE, servicePort: '80', weight: 100 },
        { serviceName: CANARY_SERVICE, servicePort: '80', weight: 0 },
      ],
    },
  };
  await networking().createNamespacedIngress({
    namespace: app.namespace,
    body: {
      metadata: {
        name: 'web',
        annotations: {
          'alb.ingress.kubernetes.io/actions.web': JSON.stringify(action),
          ...(options.delaySeconds !== undefined
            ? { 'sandbox.eksflow.io/alb-reconcile-delay-seconds': String(options.delaySeconds) }
            : {}),
        },
      },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: {
                    service: {
                      name: 'web',
                      port: options.rule === 'plain' ? { number: 80 } : { name: 'use-annotation' },
                    },
                  },
                },
              ],
            },
          },
        ],
      },
    },
  });
  const hostname = await eventually(
    'the sandbox ALB controller to write the hostname',
    async () =>
      (await networking().readNamespacedIngress({ name: 'web', namespace: app.namespace })).status?.loadBalancer
        ?.ingress?.[0]?.hostname,
    30000,
  );
  if (options.rule !== 'plain')
    await eventually(
      'the stable target group healthy',
      async () => ((await loadBalancerOf(hostname)).targets[STABLE_SERVICE] === app.replicas ? true : undefined),
      30000,
    );
  return { ...app, hostname };
}

let client: NetworkingV1Api | undefined;
export function networking(): NetworkingV1Api {
  client ??= kubeApiClient(kube().config, NetworkingV1Api);
  return client;
}

let elbClient: ElasticLoadBalancingV2Client | undefined;
function elb(): ElasticLoadBalancingV2Client {
  elbClient ??= new ElasticLoadBalancingV2Client(awsClientConfig());
  return elbClient;
}

export interface LoadBalancerView {
  /** Weight per Service in the listener rule (0 for a Service with a target group but no weight). */
  weights: Record<string, number>;
  /** Healthy targets per Service. */
  targets: Record<string, number>;
}

/** The listener rules' weights and the target groups' healthy targets of the ALB with this DNS name, by Service. */
export async function loadBalancerOf(hostname: string): Promise<LoadBalancerView> {
  const { LoadBalancers } = await elb().send(new DescribeLoadBalancersCommand({}));
  const lb = LoadBalancers?.find((l) => l.DNSName === hostname);
  if (!lb?.LoadBalancerArn) return { weights: {}, targets: {} };
  const { Listeners } = await elb().send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
  const weights: Record<string, number> = {};
  const targets: Record<string, number> = {};
  for (const listener of Listeners ?? []) {
    const { Rules } = await elb().send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
    for (const rule of Rules ?? []) {
      const groups = rule.Actions?.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroups ?? [];
      if (groups.length === 0) continue;
      const { TagDescriptions } = await elb().send(
        new DescribeTagsCommand({ ResourceArns: groups.map((g) => g.TargetGroupArn ?? '') }),
      );
      for (const group of groups) {
        const resource = TagDescriptions?.find((d) => d.ResourceArn === group.TargetGroupArn)?.Tags?.find(
          (t) => t.Key === 'ingress.k8s.aws/resource',
        )?.Value;
        // `<ns>/<ingress>-<service>:<port>`, and the Ingress is `web`.
        const named = /^[^/]+\/web-(.+):\d+$/.exec(resource ?? '')?.[1] ?? `untagged ${group.TargetGroupArn}`;
        weights[named] = group.Weight ?? 1;
        const { TargetHealthDescriptions } = await elb().send(
          new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }),
        );
        targets[named] = (TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').length;
      }
    }
  }
  return { weights, targets };
}

/**
 * Samples the load balancer every 50 ms until stopped: every sample in which the listener forwards weight to a
 * target group with no healthy target (a request there would be a 503).
 */
export function sampleEmptyTargetGroups(hostname: string): {
  stop: () => Promise<{ samples: number; empty: string[] }>;
} {
  let running = true;
  let samples = 0;
  const empty: string[] = [];
  const loop = (async () => {
    while (running) {
      const view = await loadBalancerOf(hostname);
      samples += 1;
      for (const [service, weight] of Object.entries(view.weights))
        if (weight > 0 && (view.targets[service] ?? 0) === 0)
          empty.push(`sample ${samples}: ${service} has weight ${weight} and no healthy target`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { samples, empty };
    },
  };
}
