import {
  EKSFLOW_KUBE_GROUP,
  type KubeAccess,
  nextPollSeconds,
  OPERATION_TAG,
  SYSTEM_NAMESPACE,
} from '../domain/cluster';
import { causeMessage, type CaughtError } from '../domain/caught-error';
import { finished, withStep } from '../domain/operation';
import { DependencyError } from '../errors';
import type { ClusterApi } from '../ports/cluster-api';
import type { ClusterBaseline } from '../ports/kube';
import type { OperationStore } from '../ports/store';
import type { ProvisionClusterInput } from './provision-cluster';

/**
 * The provision-cluster workflow's tasks. Each is idempotent: a step delivered twice, or re-run after
 * a crash, finds its own earlier work and does not repeat it.
 */
export interface ProvisionStepDeps {
  clusters: ClusterApi;
  baseline: ClusterBaseline;
  operations: OperationStore;
  now: () => Date;
  /** eksflow's roles to grant access to (deployed); absent, the creator's own access is kept (the sandbox). */
  kubeAccess?: KubeAccess;
}

/** Waits growing up to this ceiling: EKS takes ~15 minutes; a tight poll only burns transitions. */
const POLL_CEILING_SECONDS = 120;

export async function requestControlPlane(deps: ProvisionStepDeps, input: ProvisionClusterInput): Promise<void> {
  const options = deps.kubeAccess ? { creatorIsAdmin: false } : undefined;
  await deps.clusters.createCluster(input.spec, input.operationId, options);
  await recordStep(deps, input.operationId, 'ControlPlaneRequested');
}

export type ControlPlaneCheck = { clusterStatus: string; waitSeconds: number };

export async function checkControlPlane(
  deps: ProvisionStepDeps,
  input: ProvisionClusterInput,
): Promise<ControlPlaneCheck> {
  const cluster = await deps.clusters.describeCluster(input.spec.name);
  if (!cluster) throw new DependencyError(`cluster ${input.spec.name} disappeared while it was being created`);
  if (cluster.status === 'FAILED' || cluster.status === 'DELETING') {
    throw new DependencyError(`cluster ${input.spec.name} went to ${cluster.status} while it was being created`);
  }
  if (cluster.status === 'ACTIVE') await recordStep(deps, input.operationId, 'ControlPlaneActive');
  return { clusterStatus: cluster.status, waitSeconds: nextPollSeconds(input.waitSeconds, POLL_CEILING_SECONDS) };
}

export async function applyBaseline(deps: ProvisionStepDeps, input: ProvisionClusterInput): Promise<void> {
  const labels = { 'app.kubernetes.io/managed-by': 'eksflow' };
  const namespaces = [SYSTEM_NAMESPACE, ...input.spec.namespaces.filter((n) => n !== SYSTEM_NAMESPACE)];
  const cluster = input.spec.name;
  if (deps.kubeAccess) {
    // The baseline role first (it applies what follows), then the rollout roles, as members of one group.
    await deps.clusters.grantAccess(cluster, {
      principalArn: deps.kubeAccess.baselinePrincipalArn,
      clusterAdmin: true,
    });
    for (const principalArn of deps.kubeAccess.rolloutPrincipalArns) {
      await deps.clusters.grantAccess(cluster, { principalArn, kubernetesGroups: [EKSFLOW_KUBE_GROUP] });
    }
  }
  for (const namespace of namespaces) await deps.baseline.ensureNamespace(cluster, namespace, labels);
  // Rollouts only in the spec's namespaces: eksflow's own stays out of reach of a rollout request.
  const rolloutNamespaces = namespaces.filter((n) => n !== SYSTEM_NAMESPACE);
  if (deps.kubeAccess) await deps.baseline.ensureRolloutAccess(cluster, EKSFLOW_KUBE_GROUP, rolloutNamespaces);
  await recordStep(deps, input.operationId, 'BaselineApplied', `namespaces: ${namespaces.join(', ')}`);
}

export async function completeProvisioning(deps: ProvisionStepDeps, input: ProvisionClusterInput): Promise<void> {
  await deps.operations.update(input.operationId, (op) =>
    finished(withStep(op, step('Completed', deps.now())), {}, deps.now()),
  );
}

/**
 * The failure path: remove a cluster this operation created, so a failed provisioning never leaves a
 * half-made cluster behind, then record the error. A cluster someone else created is left alone.
 */
export async function failProvisioning(
  deps: ProvisionStepDeps,
  input: ProvisionClusterInput & { error?: CaughtError },
): Promise<void> {
  const cluster = await deps.clusters.describeCluster(input.spec.name);
  if (cluster && cluster.tags[OPERATION_TAG] === input.operationId) {
    await deps.clusters.deleteCluster(input.spec.name);
    await recordStep(deps, input.operationId, 'RolledBack', `deleted cluster ${input.spec.name}`);
  }
  const error = { code: input.error?.Error ?? 'Error', message: causeMessage(input.error) };
  await deps.operations.update(input.operationId, (op) => finished(op, { error }, deps.now()));
}

async function recordStep(deps: ProvisionStepDeps, operationId: string, name: string, detail?: string): Promise<void> {
  await deps.operations.update(operationId, (op) => withStep(op, step(name, deps.now(), detail)));
}

function step(name: string, now: Date, detail?: string) {
  return { name, at: now.toISOString(), ...(detail ? { detail } : {}) };
}
