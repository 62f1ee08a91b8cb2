import { accessPolicy } from '../../../core/wiring/access-policy';
import type { WiringContext } from '../../../core/wiring/context';
import { logger, now } from '../../../core/wiring/context';
import { idempotencyStore, operationStore, rolloutStore } from '../../../core/wiring/dynamodb';
import { baseline, clusterApi } from '../../../core/wiring/eks';
import { eventPublisher } from '../../../core/wiring/eventbridge';
import { workflowStarter } from '../../../core/wiring/sfn';

/**
 * The cluster-lifecycle use cases' ports (ClusterDeps) with the API's own (access, idempotency): the cluster routes
 * and the operation routes (a retry restarts a cluster operation). A function, not wired ports: each area calls
 * `wired` itself, so that its file holds only its own factories.
 */
export const clusterPortsOf = (w: WiringContext) => ({
  config: w.config,
  logger: logger(w),
  accessPolicy: accessPolicy(w),
  idempotency: idempotencyStore(w),
  clusters: clusterApi(w),
  baseline: baseline(w),
  operations: operationStore(w),
  workflows: workflowStarter(w),
  rollouts: rolloutStore(w),
  events: eventPublisher(w),
  kubeAccess: w.config.kubeAccess,
  now: now(w),
});
