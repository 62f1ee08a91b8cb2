import { alarmStates } from '../../../core/wiring/cloudwatch';
import type { WiringContext } from '../../../core/wiring/context';
import { logger, metrics, now, sleep } from '../../../core/wiring/context';
import { rolloutStore, verifiedChanges } from '../../../core/wiring/dynamodb';
import { ingresses, workloads } from '../../../core/wiring/eks';
import { loadBalancers } from '../../../core/wiring/elbv2';
import { eventPublisher } from '../../../core/wiring/eventbridge';
import { workflowStarter } from '../../../core/wiring/sfn';

/**
 * What a rollout pass drives in a cluster, wherever it runs (these tasks, an alarm's abort, the sweep): the
 * Deployments and Services, an ALB canary's Ingress, and its load balancer read back.
 */
export const rolloutClusterPortsOf = (w: WiringContext) => ({
  workloads: workloads(w),
  ingresses: ingresses(w),
  loadBalancers: loadBalancers(w),
});

/** The rollout workflow's tasks: a rollout's ports (core/rollouts/rollout-deps.ts RolloutDeps). */
export const rolloutPortsOf = (w: WiringContext) => ({
  rollouts: rolloutStore(w),
  ...rolloutClusterPortsOf(w),
  alarms: alarmStates(w),
  verifiedChanges: verifiedChanges(w),
  events: eventPublisher(w),
  workflows: workflowStarter(w),
  logger: logger(w),
  metrics: metrics(w),
  now: now(w),
  sleep: sleep(w),
});
