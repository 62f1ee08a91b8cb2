import type { WiringContext } from '../../core/wiring/context';
import { logger, metrics, now } from '../../core/wiring/context';
import { operationStore } from '../../core/wiring/dynamodb';
import { baseline, clusterApi } from '../../core/wiring/eks';
import { eventPublisher } from '../../core/wiring/eventbridge';

/**
 * The ports of cluster tasks. Functions, not wired instances: a bundle keeps every top-level call of the modules
 * it imports, so each entry calls `wired` itself and takes only the factories it names.
 */

/** A provisioning or deletion step's ports: EKS, the cluster's Kubernetes API, the operation's record. */
export const clusterStepPortsOf = (w: WiringContext) => ({
  config: w.config,
  logger: logger(w),
  metrics: metrics(w),
  operations: operationStore(w),
  clusters: clusterApi(w),
  baseline: baseline(w),
  kubeAccess: w.config.kubeAccess,
  now: now(w),
});

/** The ports of a step that only records an operation's end and publishes it. */
export const operationEndPortsOf = (w: WiringContext) => ({
  config: w.config,
  logger: logger(w),
  operations: operationStore(w),
  events: eventPublisher(w),
  now: now(w),
});
