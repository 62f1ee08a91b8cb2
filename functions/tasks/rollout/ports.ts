import { alarmStates, metricData } from '../../../core/wiring/cloudwatch';
import type { WiringContext } from '../../../core/wiring/context';
import { logger, metrics, now, sleep } from '../../../core/wiring/context';
import { rolloutStore, verifiedChanges } from '../../../core/wiring/dynamodb';
import { ingresses, workloads } from '../../../core/wiring/eks';
import { loadBalancers } from '../../../core/wiring/elbv2';
import { eventPublisher } from '../../../core/wiring/eventbridge';
import { workflowStarter } from '../../../core/wiring/sfn';

/**
 * What a rollout pass drives and reads, wherever it runs (these tasks, an alarm's abort, the sweep): the
 * Deployments and Services, an ALB canary's Ingress, its load balancer read back, and metric data.
 */
export const rolloutPassPortsOf = (w: WiringContext) => ({
  workloads: workloads(w),
  ingresses: ingresses(w),
  loadBalancers: loadBalancers(w),
  metricData: metricData(w),
});

/** The rollout workflow's tasks: a rollout's ports (core/rollouts/rollout-deps.ts RolloutDeps). */
export const rolloutPortsOf = (w: WiringContext) => ({
  rollouts: rolloutStore(w),
  ...rolloutPassPortsOf(w),
  alarms: alarmStates(w),
  verifiedChanges: verifiedChanges(w),
  events: eventPublisher(w),
  workflows: workflowStarter(w),
  logger: logger(w),
  metrics: metrics(w),
  now: now(w),
  sleep: sleep(w),
});
