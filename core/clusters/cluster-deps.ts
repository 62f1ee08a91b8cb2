import type { EventPublisher } from '../kernel/ports/events';
import type { OperationStore } from '../operations/ports/operation-store';
import type { WorkflowStarter } from '../operations/ports/workflows';
import type { RolloutStore } from '../rollouts/ports/rollout-store';
import type { KubeAccess } from './domain/cluster';
import type { ClusterApi } from './ports/cluster-api';
import type { ClusterBaseline } from './ports/kube';
import type { ClusterDefaults } from './requests/cluster-spec';

/** What the cluster-lifecycle use cases (provision, delete, read, retry) and their workflow tasks need. */
export interface ClusterDeps {
  clusters: ClusterApi;
  baseline: ClusterBaseline;
  operations: OperationStore;
  workflows: WorkflowStarter;
  rollouts: Pick<RolloutStore, 'listActive'>;
  now: () => Date;
  /** eksflow's roles to grant access to (deployed); absent, the creator's own access is kept (the sandbox). */
  kubeAccess?: KubeAccess;
  clusterDefaults: ClusterDefaults;
  /** First wait of each poll loop; it doubles up to the ceiling. */
  clusterPollSeconds: number;
  /** Longest wait of a poll loop (default POLL_CEILING_SECONDS); the sandbox, where nothing takes minutes, sets less. */
  clusterPollCeilingSeconds?: number;
  newId?: () => string;
  /** Operation transitions on the bus (best effort); absent (unit tests), nothing is published. */
  events?: Pick<EventPublisher, 'publish'>;
}

/** What a provisioning or deletion step needs: a step never starts a workflow run nor reads rollouts. */
export type ClusterStepDeps = Omit<ClusterDeps, 'workflows' | 'rollouts'>;

/** What the steps that only record an operation's end need: its record, the bus, the clock (no EKS, no Kubernetes). */
export type OperationEndDeps = Pick<ClusterDeps, 'operations' | 'events' | 'now'>;

/** Waits grow up to this ceiling: EKS takes ~15 minutes for a control plane; a tight poll only burns transitions. */
export const POLL_CEILING_SECONDS = 240;

/** The lock a cluster's provisioning and deletion hold: one at a time per cluster. */
export const clusterLock = (cluster: string) => `cluster:${cluster}`;
