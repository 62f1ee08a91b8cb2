import type { LoadBalancers } from '../rollouts/ports/traffic';
import type { Container } from './container';
import { port, type WiringContext } from './context';

/**
 * ELBv2, read back by ALB canaries (the load balancers the AWS Load Balancer Controller made). The adapter and its
 * SDK client are required on the first call: only ALB canaries make one, and the API, the rollout tasks and the alarm
 * and sweep handlers should not load them at every cold start. In the packaged bundles the adapter is a file of its
 * own beside the bundle (deploy/esbuild/on-first-use.cjs).
 */
export const loadBalancers = (ctx: WiringContext): Container['loadBalancers'] =>
  port(ctx, 'loadBalancers', () => {
    let adapter: LoadBalancers | undefined;
    const loaded = (): LoadBalancers => {
      adapter ??= new (elbv2Adapter().Elbv2LoadBalancers)(new (elbv2Client())(ctx.aws));
      return adapter;
    };
    return {
      forwardWeights: (...args) => loaded().forwardWeights(...args),
      healthyTargets: (...args) => loaded().healthyTargets(...args),
    };
  });

function elbv2Adapter(): typeof import('../adapters/aws/elbv2-load-balancers') {
  return require('../adapters/aws/elbv2-load-balancers');
}

function elbv2Client(): typeof import('../adapters/aws/elbv2-load-balancers').ElasticLoadBalancingV2Client {
  return elbv2Adapter().ElasticLoadBalancingV2Client;
}
