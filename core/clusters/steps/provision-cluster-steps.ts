import { type CaughtError, causeMessage } from '../../kernel/caught-error';
import { ClusterAccessError, DependencyError, TransientError } from '../../kernel/errors';
import {
  type CreatedResource,
  finished,
  type Operation,
  withCreated,
  withStep,
  withWarning,
} from '../../operations/domain/operation';
import { type ClusterStepDeps, type OperationEndDeps, POLL_CEILING_SECONDS } from '../cluster-deps';
import type { Component, ProvisionClusterInput } from '../commands/provision-cluster';
import { MANAGED_BY_LABELS, podSecurityLabels } from '../domain/baseline';
import {
  type AddonSpec,
  BASELINE_TAG,
  EKSFLOW_KUBE_GROUP,
  EKSFLOW_SCALING_KUBE_GROUP,
  eksflowGroupGrants,
  LATEST_ADDON_VERSION,
  nextPollSeconds,
  OPERATION_TAG,
  SYSTEM_NAMESPACE,
} from '../domain/cluster';
import { addonChanges, baselineDigest, controlPlaneChanges, nodegroupChanges } from '../domain/plan';
import { observeCluster } from './observe-cluster';
import { publishOperationEnd } from './operation-events';
import { teardownStep } from './teardown';

/**
 * The provision-cluster workflow's tasks. Each is idempotent: a step delivered twice, or re-run after a
 * crash or a retry, finds its own earlier work, compares what exists with the spec and only does what is
 * missing. Each records what it created on the operation as it creates it, for a rollback.
 */

/** The last step: where an operation that recorded all the others resumes. */
const COMPLETE_STEP = { record: 'Completed', state: 'CompleteProvisioning' } as const;

/** The steps in order: the record each leaves on the operation, and the workflow state a retry resumes at. */
export const PROVISION_STEPS = [
  { record: 'ControlPlaneRequested', state: 'RequestControlPlane' },
  { record: 'ControlPlaneActive', state: 'CheckControlPlane' },
  { record: 'NodegroupsAndAddonsReady', state: 'NodegroupsAndAddons' },
  { record: 'AccessApplied', state: 'ApplyAccess' },
  { record: 'BaselineApplied', state: 'ApplyBaseline' },
  COMPLETE_STEP,
] as const;

/** EKS states that will not become ACTIVE by waiting. */
const FAILED_STATUSES = ['FAILED', 'CREATE_FAILED', 'DELETE_FAILED', 'DEGRADED', 'DELETING'];

export async function requestControlPlane(deps: ClusterStepDeps, input: ProvisionClusterInput): Promise<void> {
  const { spec, operationId } = input;
  const existing = await deps.clusters.describeCluster(spec.name);
  if (!existing || ours(false, existing.tags, operationId)) {
    const options = deps.kubeAccess ? { creatorIsAdmin: false } : undefined;
    if (!existing) await deps.clusters.createCluster(spec, operationId, options);
    await recordCreated(deps, operationId, { type: 'controlPlane', name: spec.name });
  } else if (existing.status === 'ACTIVE') {
    const { updatable, fixed } = controlPlaneChanges(spec, existing);
    if (updatable.length > 0) await deps.clusters.updateClusterConfig(spec, updatable);
    for (const field of fixed)
      await record(deps, operationId, (op) =>
        withWarning(op, `control plane: ${field} differs; eksflow does not change it when provisioning`),
      );
  }
  await recordStep(deps, operationId, 'ControlPlaneRequested');
}

export type WaitCheck = { ready: boolean; status: string; waitSeconds: number };

export async function checkControlPlane(
  deps: ClusterStepDeps,
  input: ProvisionClusterInput & { check?: WaitCheck },
): Promise<WaitCheck> {
  const cluster = await deps.clusters.describeCluster(input.spec.name);
  if (!cluster) throw new DependencyError(`cluster ${input.spec.name} disappeared while it was being created`);
  if (FAILED_STATUSES.includes(cluster.status))
    throw new DependencyError(`cluster ${input.spec.name} went to ${cluster.status} while it was being created`);
  const ready = cluster.status === 'ACTIVE';
  if (ready) await recordStep(deps, input.operationId, 'ControlPlaneActive');
  return { ready, status: cluster.status, waitSeconds: nextWait(deps, input) };
}

export type ComponentInput = Omit<ProvisionClusterInput, 'components'> & { component: Component; check?: WaitCheck };

/** Creates the node group or add-on, or updates it where EKS allows and reports where it does not. */
export async function ensureComponent(deps: ClusterStepDeps, input: ComponentInput): Promise<void> {
  const { spec, operationId, component } = input;
  if (component.kind === 'nodegroup') {
    const wanted = spec.nodegroups.find((n) => n.name === component.name);
    if (!wanted) return;
    const existing = await deps.clusters.describeNodegroup(spec.name, wanted.name);
    if (!existing || ours(false, existing.tags, operationId)) {
      if (!existing) {
        const { created } = await deps.clusters.createNodegroup(spec.name, wanted, operationId);
        if (!created) await mustExist(deps.clusters.describeNodegroup(spec.name, wanted.name), component);
      }
      await recordCreated(deps, operationId, { type: 'nodegroup', name: wanted.name });
      if (!existing) return;
    }
    const { updatable, fixed } = nodegroupChanges(wanted, existing);
    if (updatable.length > 0 && existing.status === 'ACTIVE')
      await deps.clusters.updateNodegroup(spec.name, wanted, existing);
    if (fixed.length > 0)
      await record(deps, operationId, (op) =>
        withWarning(op, `node group ${wanted.name}: ${fixed.join(', ')} changed, which needs a new node group`),
      );
    return;
  }
  const wanted = spec.addons.find((a) => a.name === component.name);
  if (!wanted) return;
  const existing = await deps.clusters.describeAddon(spec.name, wanted.name);
  const version = await resolveVersion(deps, spec.name, wanted);
  if (!existing || ours(false, existing.tags, operationId)) {
    if (!existing) {
      const { created } = await deps.clusters.createAddon(spec.name, wanted, version, operationId);
      if (!created) await mustExist(deps.clusters.describeAddon(spec.name, wanted.name), component);
    }
    await recordCreated(deps, operationId, { type: 'addon', name: wanted.name });
    if (!existing) return;
  }
  if (addonChanges(wanted, existing, version).length > 0 && existing.status === 'ACTIVE')
    await deps.clusters.updateAddon(spec.name, wanted, version);
}

export async function checkComponent(deps: ClusterStepDeps, input: ComponentInput): Promise<WaitCheck> {
  const { spec, component } = input;
  const found =
    component.kind === 'nodegroup'
      ? await deps.clusters.describeNodegroup(spec.name, component.name)
      : await deps.clusters.describeAddon(spec.name, component.name);
  if (!found) throw new DependencyError(`${component.kind} ${component.name} disappeared while it was being created`);
  if (FAILED_STATUSES.includes(found.status))
    throw new DependencyError(`${component.kind} ${component.name} is ${found.status}`);
  return { ready: found.status === 'ACTIVE', status: found.status, waitSeconds: nextWait(deps, input) };
}

/**
 * eksflow's own roles (deployed), then the spec's access entries with exactly their policy. The workflow
 * gets here once every node group and add-on is ACTIVE: that is recorded first.
 */
export async function applyAccess(deps: ClusterStepDeps, input: ProvisionClusterInput): Promise<void> {
  const names = input.components.map((c) => `${c.kind} ${c.name}`).join(', ');
  await recordStep(deps, input.operationId, 'NodegroupsAndAddonsReady', names || undefined);
  const cluster = input.spec.name;
  if (deps.kubeAccess) {
    // The baseline role first (it applies what follows), then the rollout roles, as members of one group.
    await deps.clusters.grantAccess(cluster, {
      principalArn: deps.kubeAccess.baselinePrincipalArn,
      clusterAdmin: true,
    });
    for (const grant of eksflowGroupGrants(deps.kubeAccess)) await deps.clusters.grantAccess(cluster, grant);
  }
  for (const access of input.spec.access) {
    // Entries carry eksflow's managed tag, not the operation's: an entry absent now is recorded before it is created, so that a create
    // whose answer is lost (and answers "in use" when retried) is still known as this operation's.
    const absent = (await deps.clusters.describeAccessEntry(cluster, access.principalArn)) === undefined;
    if (absent) await recordCreated(deps, input.operationId, { type: 'accessEntry', name: access.principalArn });
    await deps.clusters.applyAccess(cluster, access);
  }
  await recordStep(deps, input.operationId, 'AccessApplied', `${input.spec.access.length} access entries`);
}

/**
 * How long after eksflow granted its access entries (the AccessApplied step) a cluster's refusal is taken for EKS
 * still applying them, and retried by the workflow. Why: EKS applies a new entry within seconds; two minutes is
 * far beyond that, and well within the workflow's retries. Later, the refusal fails the step naming the entry.
 */
export const ACCESS_PROPAGATION_SECONDS = 120;

/** Namespaces with their quota, limits and network policy, by server-side apply; then the digest tag. */
export async function applyBaseline(deps: ClusterStepDeps, input: ProvisionClusterInput): Promise<void> {
  try {
    await applyBaselineObjects(deps, input);
  } catch (error) {
    throw await refusalJustAfterGrant(deps, input.operationId, error);
  }
}

/** A ClusterAccessError within ACCESS_PROPAGATION_SECONDS of the AccessApplied step becomes a TransientError. */
async function refusalJustAfterGrant(deps: ClusterStepDeps, operationId: string, error: unknown): Promise<unknown> {
  if (!(error instanceof ClusterAccessError)) return error;
  const granted = (await deps.operations.get(operationId))?.steps.find((s) => s.name === 'AccessApplied')?.at;
  const seconds = granted === undefined ? undefined : (deps.now().getTime() - Date.parse(granted)) / 1000;
  if (seconds === undefined || seconds >= ACCESS_PROPAGATION_SECONDS) return error;
  return new TransientError(
    `${error.message}; eksflow granted its access entries ${Math.round(seconds)} s ago and EKS may not apply them yet`,
    { cause: error, details: error.details },
  );
}

async function applyBaselineObjects(deps: ClusterStepDeps, input: ProvisionClusterInput): Promise<void> {
  const cluster = input.spec.name;
  // eksflow runs no pods of its own: its namespace enforces the strictest Pod Security level.
  await deps.baseline.ensureNamespace(cluster, SYSTEM_NAMESPACE, {
    ...MANAGED_BY_LABELS,
    ...podSecurityLabels('restricted'),
  });
  for (const namespace of input.spec.namespaces) {
    const { created } = await deps.baseline.applyNamespace(cluster, namespace);
    if (created) await recordCreated(deps, input.operationId, { type: 'namespace', name: namespace.name });
  }
  // Rollouts only in the spec's namespaces: eksflow's own stays out of reach of a rollout request.
  const rolloutNamespaces = input.spec.namespaces.map((n) => n.name);
  if (deps.kubeAccess) {
    await deps.baseline.ensureRolloutAccess(cluster, EKSFLOW_KUBE_GROUP, rolloutNamespaces);
    await deps.baseline.ensureScalingAccess(cluster, EKSFLOW_SCALING_KUBE_GROUP);
  }
  await deps.clusters.tagCluster(cluster, { [BASELINE_TAG]: baselineDigest(input.spec.namespaces) });
  const names = [SYSTEM_NAMESPACE, ...rolloutNamespaces].join(', ');
  await recordStep(deps, input.operationId, 'BaselineApplied', `namespaces: ${names}`);
}

export async function completeProvisioning(deps: OperationEndDeps, input: ProvisionClusterInput): Promise<void> {
  const done = await deps.operations.update(input.operationId, (op) =>
    finished(withStep(op, step('Completed', deps.now())), {}, deps.now()),
  );
  await publishOperationEnd(deps, done);
}

/**
 * `undecided`: the workflow caught no definite failure (a transient error whose retries ran out, a timeout, a
 * wait cap): nothing is rolled back, since the cluster may well be fine; a retry resumes at the failed step.
 */
/** The error a capped wait loop ends with (workflows/*.asl.json, the `…CapReached` states). */
const CAP_ERROR = 'AttemptCapReached';

export type FailureInput = ProvisionClusterInput & {
  error?: CaughtError;
  undecided?: boolean;
  /** RecordFailure's answer, once it ran: whether the rollback was started. */
  failure?: { rollback: boolean };
};

/**
 * The failure path, first task: names the failed step, the error and what exists on the operation.
 * Returns whether to roll back (the operation stays Running until the rollback is done).
 */
export async function recordFailure(deps: ClusterStepDeps, input: FailureInput): Promise<{ rollback: boolean }> {
  const observed = await observeCluster(deps.clusters, input.spec.name);
  const exists = {
    controlPlane: observed.controlPlane?.status ?? 'absent',
    nodegroups: Object.fromEntries(observed.nodegroups.map((n) => [n.name, n.status])),
    addons: Object.fromEntries(observed.addons.map((a) => [a.name, a.status])),
    accessEntries: observed.accessEntries.map((a) => a.principalArn),
  };
  const operation = await deps.operations.update(input.operationId, (op) => ({
    ...op,
    error: {
      code: input.error?.Error ?? 'Error',
      message: causeMessage(input.error),
      step: failedStep(op),
      exists,
    },
  }));
  // Only a definite failure deletes: a transient one must never cost a 20-minute-old cluster.
  const rollback = input.spec.onFailure === 'rollback' && !input.undecided && (operation.created ?? []).length > 0;
  return { rollback };
}

/** One pass of the rollback: deletes what this operation created, in dependency order; done when all is gone. */
export async function rollbackStep(deps: ClusterStepDeps, input: FailureInput): Promise<WaitCheck> {
  const operation = await deps.operations.get(input.operationId);
  const created = operation?.created ?? [];
  const { done } = await teardownStep(deps, input.spec.name, created);
  if (done) await recordStep(deps, input.operationId, 'RolledBack', describeCreated(created));
  return { ready: done, status: done ? 'DELETED' : 'DELETING', waitSeconds: nextWait(deps, input) };
}

export async function finishFailed(deps: OperationEndDeps, input: FailureInput): Promise<void> {
  const failed = await deps.operations.update(input.operationId, (op) => {
    const rolledBack = op.steps.some((s) => s.name === 'RolledBack');
    const recorded = op.error ?? { code: input.error?.Error ?? 'Error', message: causeMessage(input.error) };
    // The rollback's own wait cap stopped it: the step's error stays, and says that the rollback did not finish.
    const error =
      op.error && input.failure?.rollback && input.error?.Error === CAP_ERROR
        ? { ...recorded, message: `${recorded.message}; rollback stopped: ${causeMessage(input.error)}` }
        : recorded;
    return finished({ ...op, ...(rolledBack ? { rolledBack: true } : {}) }, { error }, deps.now());
  });
  await publishOperationEnd(deps, failed);
}

/** The first step the operation has not recorded: where it failed, and where a retry resumes. */
export function failedStep(op: Operation): string {
  const done = new Set(op.steps.map((s) => s.name));
  return (PROVISION_STEPS.find((s) => !done.has(s.record)) ?? COMPLETE_STEP).state;
}

/**
 * EKS said "in use" to a create, yet the describe before found nothing: either it was created in between (fine)
 * or the answer was not EKS's (a proxy, a throttle in disguise). Only what exists counts; otherwise retry.
 */
async function mustExist(found: Promise<unknown>, component: Component): Promise<void> {
  if ((await found) === undefined)
    throw new TransientError(`${component.kind} ${component.name}: create answered "in use" but it does not exist yet`);
}

/** "latest" as the newest version compatible with the cluster's Kubernetes version; EKS's default if unknown. */
async function resolveVersion(deps: ClusterStepDeps, cluster: string, addon: AddonSpec): Promise<string | undefined> {
  if (addon.version !== LATEST_ADDON_VERSION) return addon.version;
  const kubeVersion = (await deps.clusters.describeCluster(cluster))?.version;
  return kubeVersion ? deps.clusters.latestAddonVersion(addon.name, kubeVersion) : undefined;
}

/** Made by this operation: created now, or found carrying its tag (an earlier run created it, then crashed). */
function ours(created: boolean, tags: Record<string, string> | undefined, operationId: string): boolean {
  return created || tags?.[OPERATION_TAG] === operationId;
}

/** The wait before the next check: the last one doubled (the first is the configured poll), capped. */
function nextWait(deps: ClusterStepDeps, input: { waitSeconds: number; check?: WaitCheck }): number {
  const ceiling = deps.clusterPollCeilingSeconds ?? POLL_CEILING_SECONDS;
  return input.check ? nextPollSeconds(input.check.waitSeconds, ceiling) : input.waitSeconds;
}

function describeCreated(created: CreatedResource[]): string {
  return created.length > 0 ? `deleted ${created.map((c) => `${c.type} ${c.name}`).join(', ')}` : 'nothing to delete';
}

async function record(deps: ClusterStepDeps, operationId: string, change: (op: Operation) => Operation): Promise<void> {
  await deps.operations.update(operationId, change);
}

async function recordCreated(deps: ClusterStepDeps, operationId: string, resource: CreatedResource): Promise<void> {
  await record(deps, operationId, (op) => withCreated(op, resource));
}

async function recordStep(deps: ClusterStepDeps, operationId: string, name: string, detail?: string): Promise<void> {
  await record(deps, operationId, (op) => withStep(op, step(name, deps.now(), detail)));
}

function step(name: string, now: Date, detail?: string) {
  return { name, at: now.toISOString(), ...(detail ? { detail } : {}) };
}
