import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../../kernel/errors';
import { newOperation } from '../../operations/domain/operation';
import { runName } from '../../operations/domain/work';
import { type ClusterDeps, clusterLock } from '../cluster-deps';
import { ACCESS_POLICY_ARNS, type ClusterSpec, isManaged, LATEST_ADDON_VERSION } from '../domain/cluster';
import { isNoChange, type ObservedCluster, type PlanItem, planProvision } from '../domain/plan';
import type { ClusterApi } from '../ports/cluster-api';
import { isPlainObject, parseClusterSpec } from '../requests/cluster-spec';
import { observeCluster } from '../steps/observe-cluster';
import { FIRST_STATE, refuseWhileRunning, startRun } from './operation-runs';

/** One node group or add-on: an item of the workflow's Map, created and waited for in parallel with the others. */
export interface Component {
  kind: 'nodegroup' | 'addon';
  name: string;
}

/** What the provision-cluster workflow receives. */
export interface ProvisionClusterInput {
  operationId: string;
  spec: ClusterSpec;
  components: Component[];
  waitSeconds: number;
  /** The state the run starts at: RequestControlPlane, or for a retry the failed step's. */
  resumeFrom: string;
}

export type ProvisionAnswer =
  | { status: 200; body: { plan: PlanItem[] } }
  | {
      status: 200;
      body: { cluster: { name: string; status: string }; changed: false; message: string; plan: PlanItem[] };
    }
  | { status: 202; body: { operationId: string; cluster: { name: string; status: string }; plan: PlanItem[] } };

/**
 * POST /clusters: validate, compare with what exists, and either answer with the plan (dry run), say that
 * nothing would change, or record the operation and start the workflow. Nothing is changed in AWS here.
 */
export async function startProvisionCluster(
  deps: ClusterDeps,
  body: unknown,
  options: { dryRun?: boolean } = {},
): Promise<ProvisionAnswer> {
  const spec = parseClusterSpec(body, deps.clusterDefaults);
  // Deployed, eksflow may pass only the configured cluster role (iam:PassRole): say so now, not in a failed step.
  const allowedRole = deps.clusterDefaults.roleArn;
  if (allowedRole && spec.roleArn !== allowedRole) {
    throw ValidationError.forField(
      'roleArn',
      `must be the cluster role eksflow may pass (${allowedRole}); leave it out to use that role`,
    );
  }
  const observed = await observeCluster(deps.clusters, spec.name);
  const existing = observed.controlPlane;
  if (existing && !isManaged(existing))
    throw new ConflictError(`cluster ${spec.name} exists and was not created by eksflow`, {
      details: [{ field: 'name', reason: 'a cluster with this name already exists and eksflow does not manage it' }],
    });
  const plan = planProvision(
    spec,
    observed,
    await latestVersions(deps.clusters, spec, observed),
    (p) => ACCESS_POLICY_ARNS[p],
  );
  if (options.dryRun) return { status: 200, body: { plan } };
  await refuseWhileRunning(deps, spec.name);
  if (existing && isNoChange(plan)) {
    return {
      status: 200,
      body: {
        cluster: { name: spec.name, status: existing.status },
        changed: false,
        message: 'the cluster already matches the spec: nothing to change',
        plan,
      },
    };
  }
  // Rollback deletes what this run created: right for a new cluster, a surprise for one that exists.
  const onFailure = isPlainObject(body) && 'onFailure' in body ? spec.onFailure : existing ? 'keep' : 'rollback';
  const operationId = (deps.newId ?? randomUUID)();
  const input: ProvisionClusterInput = {
    operationId,
    spec: { ...spec, onFailure },
    components: [
      ...spec.nodegroups.map((n) => ({ kind: 'nodegroup' as const, name: n.name })),
      ...spec.addons.map((a) => ({ kind: 'addon' as const, name: a.name })),
    ],
    waitSeconds: deps.clusterPollSeconds,
    resumeFrom: FIRST_STATE,
  };
  await deps.operations.create({
    ...newOperation(operationId, 'ProvisionCluster', spec.name, deps.now()),
    lock: clusterLock(spec.name),
    plan,
    runs: 1,
    input,
  });
  await startRun(deps, 'provision-cluster', operationId, runName(operationId, 1), input);
  return {
    status: 202,
    body: { operationId, cluster: { name: spec.name, status: existing?.status ?? 'CREATING' }, plan },
  };
}

/** What "latest" means for each add-on on this cluster's Kubernetes version (only when the cluster exists). */
async function latestVersions(
  clusters: ClusterApi,
  spec: ClusterSpec,
  observed: ObservedCluster,
): Promise<Record<string, string | undefined>> {
  const version = observed.controlPlane?.version;
  if (!version) return {};
  const latest = spec.addons.filter((a) => a.version === LATEST_ADDON_VERSION);
  const resolved = await Promise.all(latest.map((a) => clusters.latestAddonVersion(a.name, version)));
  return Object.fromEntries(latest.map((a, i) => [a.name, resolved[i]]));
}
