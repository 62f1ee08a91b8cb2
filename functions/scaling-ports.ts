import { alarmStates } from '../core/wiring/cloudwatch';
import type { WiringContext } from '../core/wiring/context';
import { logger, now } from '../core/wiring/context';
import { operationStore, scalingStore, verifiedChanges } from '../core/wiring/dynamodb';
import { clusterApi, nodegroupApi, nodegroupPods } from '../core/wiring/eks';
import { eventPublisher } from '../core/wiring/eventbridge';
import { workflowStarter } from '../core/wiring/sfn';

/** Node-group scaling's ports (core/scaling/scaling-deps.ts ScalingDeps): its tasks and its event handlers. */
export const scalingPortsOf = (w: WiringContext) => ({
  clusters: clusterApi(w),
  nodegroups: nodegroupApi(w),
  nodegroupPods: nodegroupPods(w),
  scaling: scalingStore(w),
  operations: operationStore(w),
  workflows: workflowStarter(w),
  alarms: alarmStates(w),
  verifiedChanges: verifiedChanges(w),
  events: eventPublisher(w),
  logger: logger(w),
  now: now(w),
});
