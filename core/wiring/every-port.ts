import { accessPolicy } from './access-policy';
import { alarmStates, metricData } from './cloudwatch';
import type { Container } from './container';
import { logger, metrics, now, sleep, type WiringContext } from './context';
import { idempotencyStore, operationStore, rolloutStore, scalingStore, verifiedChanges } from './dynamodb';
import {
  baseline,
  clusterApi,
  ingresses,
  kubeClients,
  kubeReview,
  nodegroupApi,
  nodegroupPods,
  workloads,
} from './eks';
import { loadBalancers } from './elbv2';
import { eventPublisher } from './eventbridge';
import { healthChecks } from './health';
import { endpointReach } from './net';
import { pageTokens } from './page-tokens';
import { scheduleDeployer } from './scheduler';
import { workflowStarter } from './sfn';
import { callerIdentity } from './sts';

/**
 * Every port: what the API (whose routes reach every area) and the sandbox (one process for all functions) wire.
 * The parts only a runtime supplies (the sandbox's network and scaling clock) come from its overrides.
 */
export function everyPort(ctx: WiringContext): Container {
  return {
    config: ctx.config,
    logger: logger(ctx),
    metrics: metrics(ctx),
    clusters: clusterApi(ctx),
    operations: operationStore(ctx),
    workflows: workflowStarter(ctx),
    kube: kubeClients(ctx),
    baseline: baseline(ctx),
    rollouts: rolloutStore(ctx),
    workloads: workloads(ctx),
    ingresses: ingresses(ctx),
    loadBalancers: loadBalancers(ctx),
    alarms: alarmStates(ctx),
    metricData: metricData(ctx),
    verifiedChanges: verifiedChanges(ctx),
    events: eventPublisher(ctx),
    healthChecks: healthChecks(ctx),
    kubeAccess: ctx.config.kubeAccess,
    accessPolicy: accessPolicy(ctx),
    now: now(ctx),
    sleep: sleep(ctx),
    nodegroups: nodegroupApi(ctx),
    nodegroupPods: nodegroupPods(ctx),
    scaling: scalingStore(ctx),
    scheduleDeployer: scheduleDeployer(ctx),
    reach: endpointReach(ctx),
    identity: callerIdentity(ctx),
    kubeReview: kubeReview(ctx),
    pageTokens: pageTokens(ctx),
    idempotency: idempotencyStore(ctx),
    ...ctx.overrides,
  };
}
