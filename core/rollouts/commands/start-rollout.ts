import { randomUUID } from 'node:crypto';
import { checkPodTemplatePatch, NO_EXTRAS, type PatchAllowance } from '../../access/domain/pod-template-patch';
import { isPlainObject } from '../../clusters/requests/cluster-spec';
import { ConflictError, type ErrorDetail, errorMessage, ValidationError } from '../../kernel/errors';
import { newVersionName, POD_TEMPLATE_HASH_LABEL, REVISION_LABEL, ROLLOUT_LABEL } from '../domain/names';
import { newPodTemplate, revisionOf, selects, withHistory } from '../domain/rollout';
import { type BlueGreenSpec, type CanarySpec, type Rollout, type RolloutRequest, strategyOf } from '../domain/types';
import type { DeploymentView, ServiceView } from '../ports/workloads';
import { alarmsOf, parseRolloutRequest } from '../requests/rollout-request';
import { type RolloutDeps, saveRollout, startRun } from '../rollout-deps';
import { createRollout } from '../steps/rollout-outbox';

/**
 * POST /rollouts: validate the request against the cluster and CloudWatch (changing neither), take
 * the Deployment's lock with the rollout record in one write, then start the workflow.
 */
export async function startRollout(
  deps: RolloutDeps,
  body: unknown,
  newId: () => string = randomUUID,
  patchAllowance: PatchAllowance = NO_EXTRAS,
  /** The caller's principal ARN, kept on the record as `createdBy`. */
  createdBy?: string,
  /** The rollout this one retries, kept on the record as `retryOf`. */
  retryOf?: string,
): Promise<Rollout> {
  const request = parseRolloutRequest(body);
  const patchProblems = checkPodTemplatePatch(request.podTemplatePatch, request.image, patchAllowance);
  if (patchProblems.length)
    throw new ValidationError(
      `invalid rollout request: ${patchProblems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      patchProblems,
    );
  const {
    stable,
    container,
    activeSelector,
    previewSelector,
    podTemplateHash,
    stableServiceSelector,
    canaryServiceSelector,
  } = await checkAgainstCluster(deps, request);
  const alarms = alarmsOf(request);
  const known = alarms.all.length ? await deps.alarms.states(alarms.all) : {};
  const unknown = alarms.all.filter((a) => !(a in known));
  if (unknown.length) {
    const field = request.canary ? 'canary.analysis.alarms' : 'blueGreen.analysis.alarms';
    throw ValidationError.forField(
      field,
      `unknown CloudWatch alarm${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
    );
  }

  const id = newId();
  const now = deps.now();
  const revision = revisionOf(id);
  const base: Rollout = {
    id,
    cluster: request.cluster,
    namespace: request.namespace,
    deployment: request.deployment,
    ...strategyOf(request),
    status: 'Progressing',
    phase: request.canary ? 'Steps' : 'Preview',
    currentStepIndex: 0,
    stepStartedAt: now.toISOString(),
    stable: {
      replicas: stable.replicas,
      template: stable.template,
      ...(activeSelector ? { activeSelector } : {}),
      ...(previewSelector ? { previewSelector } : {}),
      ...(podTemplateHash ? { podTemplateHash } : {}),
      ...(stableServiceSelector ? { stableServiceSelector } : {}),
      ...(canaryServiceSelector ? { canaryServiceSelector } : {}),
    },
    newTemplate: newPodTemplate(stable.template, request, revision, container),
    revision,
    weights: { canary: 0, stable: 100 },
    alarms: alarms.guarding,
    run: 1,
    history: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 0,
    ...(createdBy ? { createdBy } : {}),
    ...(retryOf ? { retryOf } : {}),
  };
  const rollout = withHistory(
    base,
    now,
    'Started',
    `${base.strategy} rollout of ${request.image ?? 'a pod template patch'} on ${stable.replicas} replicas${retryOf ? ` (retry of ${retryOf})` : ''}`,
  );
  await createRollout(deps, rollout); // ConflictError naming the active rollout; `Started` goes out through the outbox
  try {
    await startRun(deps, rollout);
  } catch (error) {
    // Nothing was changed in the cluster yet: record the failure and free the Deployment.
    await saveRollout(deps, rollout, {
      ...withHistory(rollout, deps.now(), 'Failed', `workflow did not start: ${errorMessage(error)}`),
      status: 'Failed',
      finishedAt: deps.now().toISOString(),
    });
    throw error;
  }
  return rollout;
}

async function checkAgainstCluster(deps: RolloutDeps, request: RolloutRequest) {
  const { cluster, namespace, deployment } = request;
  if (!(await deps.workloads.namespaceExists(cluster, namespace)))
    throw ValidationError.forField('namespace', `namespace ${namespace} not found in cluster ${cluster}`);
  const stable = await deps.workloads.getDeployment(cluster, namespace, deployment);
  if (!stable)
    throw ValidationError.forField('deployment', `Deployment ${deployment} not found in namespace ${namespace}`);
  if (stable.replicas < 1)
    throw ValidationError.forField(
      'deployment',
      `Deployment ${deployment} has 0 replicas: scale it up before rolling out`,
    );
  const container = chooseContainer(stable, request);
  refuseSelectorLabelChanges(request, stable);
  refuseUnknownPatchContainers(request, stable);

  await refuseForeignNewVersion(deps, request);
  const blueGreen: Partial<Awaited<ReturnType<typeof checkServices>>> = request.blueGreen
    ? await checkServices(deps, request, request.blueGreen, stable)
    : {};
  const alb: Partial<Awaited<ReturnType<typeof checkAlbRouting>>> = request.canary
    ? await checkAlbRouting(deps, request, request.canary, stable)
    : {};
  return { stable, container, ...blueGreen, ...alb };
}

/** A patch changes the Deployment's containers (merged by name); it does not add new ones. */
function refuseUnknownPatchContainers(request: RolloutRequest, stable: DeploymentView): void {
  const spec = request.podTemplatePatch?.spec;
  const containers = isPlainObject(spec) && Array.isArray(spec.containers) ? spec.containers : [];
  const known = new Set((stable.template.spec?.containers ?? []).map((c) => c.name));
  const problems = containers.flatMap((c, i) =>
    isPlainObject(c) && typeof c.name === 'string' && !known.has(c.name)
      ? [
          {
            field: `podTemplatePatch.spec.containers.${i}.name`,
            reason: `Deployment ${stable.name} has no container ${c.name} (it has ${[...known].join(', ')})`,
          },
        ]
      : [],
  );
  if (problems.length) throw new ValidationError(problems.map((p) => `${p.field}: ${p.reason}`).join('; '), problems);
}

/** The new version's pods must keep the labels the Deployment (and so its Services) select on. */
function refuseSelectorLabelChanges(request: RolloutRequest, stable: DeploymentView): void {
  const metadata = request.podTemplatePatch?.metadata;
  const labels = isPlainObject(metadata) && isPlainObject(metadata.labels) ? metadata.labels : {};
  const problems = Object.keys(labels)
    .filter((key) => key in stable.selector && labels[key] !== stable.selector[key])
    .map((key) => ({
      field: `podTemplatePatch.metadata.labels.${key}`,
      reason: `Deployment ${stable.name} selects on ${key}=${stable.selector[key]}: the new version must keep it`,
    }));
  if (problems.length) throw new ValidationError(problems.map((p) => `${p.field}: ${p.reason}`).join('; '), problems);
}

/**
 * The name the new version's Deployment will take must be free: whatever holds it (a team's own `web-canary`,
 * an old rollout's leftover) is someone else's, and eksflow never adopts or deletes it.
 */
async function refuseForeignNewVersion(deps: RolloutDeps, request: RolloutRequest): Promise<void> {
  const name = newVersionName({ strategy: request.canary ? 'canary' : 'blueGreen', deployment: request.deployment });
  const existing = await deps.workloads.getDeployment(request.cluster, request.namespace, name);
  if (!existing) return;
  const owner = existing.labels[ROLLOUT_LABEL];
  throw new ConflictError(
    `Deployment ${request.namespace}/${name} already exists${owner ? ` (left by rollout ${owner})` : ''}: eksflow needs that name for the new version and will not take over or delete it`,
    { details: [{ field: 'deployment', reason: `Deployment ${name} exists and is not this rollout's` }] },
  );
}

/**
 * Blue-green: both Services exist, the active one selects stable's pods, and it can be pinned to stable's
 * ReplicaSet (its pod-template-hash) so that green's pods are never selected before the switch.
 */
async function checkServices(
  deps: RolloutDeps,
  request: RolloutRequest,
  { activeService, previewService }: BlueGreenSpec,
  stable: DeploymentView,
) {
  const { cluster, namespace, deployment } = request;
  const problems: ErrorDetail[] = [];
  const active = await deps.workloads.getService(cluster, namespace, activeService);
  const activeField = 'blueGreen.activeService';
  if (!active)
    problems.push({ field: activeField, reason: `Service ${activeService} not found in namespace ${namespace}` });
  else if (!Object.keys(active.selector).length || !selects(active.selector, stable.template)) {
    problems.push({
      field: activeField,
      reason: `Service ${activeService} does not select the pods of Deployment ${deployment}`,
    });
  } else if (POD_TEMPLATE_HASH_LABEL in active.selector) {
    problems.push({
      field: activeField,
      reason: `Service ${activeService} selects ${POD_TEMPLATE_HASH_LABEL}, which eksflow sets to pin it: remove it from the selector`,
    });
  }
  let preview: ServiceView | undefined;
  if (previewService) {
    if (previewService === activeService)
      problems.push({ field: 'blueGreen.previewService', reason: 'must differ from activeService' });
    preview = await deps.workloads.getService(cluster, namespace, previewService);
    if (!preview)
      problems.push({
        field: 'blueGreen.previewService',
        reason: `Service ${previewService} not found in namespace ${namespace}`,
      });
  }
  if (problems.length || !active) {
    throw new ValidationError(
      `invalid rollout request: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      problems,
    );
  }
  const podTemplateHash = await deps.workloads.currentPodTemplateHash(cluster, namespace, stable);
  if (!podTemplateHash) {
    throw new ConflictError(
      `Deployment ${deployment} is in the middle of a rollout (pods of more than one template): wait until it has finished`,
      {
        details: [{ field: 'deployment', reason: 'Deployment is rolling out' }],
      },
    );
  }
  return { activeSelector: active.selector, previewSelector: preview?.selector, podTemplateHash };
}

/**
 * ALB canary: the Ingress sends rootService to the actions annotation, both Services exist and select the
 * Deployment's pods (eksflow narrows them: stable's to stable's ReplicaSet, the canary's to the new revision), and
 * stable is not mid-rollout (its pod-template-hash pins the stable Service).
 */
async function checkAlbRouting(deps: RolloutDeps, request: RolloutRequest, canary: CanarySpec, stable: DeploymentView) {
  if (canary.trafficRouting === 'replicas') return {};
  const { cluster, namespace, deployment } = request;
  const route = canary.trafficRouting.alb;
  const problems: ErrorDetail[] = [];
  const ingress = await deps.ingresses.getIngress(cluster, namespace, route);
  if (!ingress)
    problems.push({
      field: 'canary.trafficRouting.alb.ingress',
      reason: `Ingress ${route.ingress} not found in namespace ${namespace}`,
    });
  else if (ingress.problem) problems.push({ field: 'canary.trafficRouting.alb.ingress', reason: ingress.problem });
  const selectors: Record<string, Record<string, string>> = {};
  for (const field of ['stableService', 'canaryService'] as const) {
    const name = canary[field] ?? '';
    const service = await deps.workloads.getService(cluster, namespace, name);
    if (!service)
      problems.push({ field: `canary.${field}`, reason: `Service ${name} not found in namespace ${namespace}` });
    else if (!Object.keys(service.selector).length || !selects(service.selector, stable.template))
      problems.push({
        field: `canary.${field}`,
        reason: `Service ${name} does not select the pods of Deployment ${deployment}`,
      });
    else if (POD_TEMPLATE_HASH_LABEL in service.selector || REVISION_LABEL in service.selector)
      problems.push({
        field: `canary.${field}`,
        reason: `Service ${name} selects ${POD_TEMPLATE_HASH_LABEL} or ${REVISION_LABEL}, which eksflow sets during the rollout: remove it from the selector`,
      });
    else selectors[field] = service.selector;
  }
  if (problems.length)
    throw new ValidationError(
      `invalid rollout request: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      problems,
    );
  const podTemplateHash = await deps.workloads.currentPodTemplateHash(cluster, namespace, stable);
  if (!podTemplateHash)
    throw new ConflictError(
      `Deployment ${deployment} is in the middle of a rollout (pods of more than one template): wait until it has finished`,
      { details: [{ field: 'deployment', reason: 'Deployment is rolling out' }] },
    );
  return {
    podTemplateHash,
    stableServiceSelector: selectors.stableService,
    canaryServiceSelector: selectors.canaryService,
  };
}

function chooseContainer(stable: DeploymentView, request: RolloutRequest): string | undefined {
  if (!request.image) return undefined;
  const names = (stable.template.spec?.containers ?? []).map((c) => c.name);
  if (request.container) {
    if (!names.includes(request.container))
      throw ValidationError.forField(
        'container',
        `Deployment ${request.deployment} has no container ${request.container} (it has ${names.join(', ')})`,
      );
    return request.container;
  }
  if (names.length !== 1)
    throw ValidationError.forField(
      'container',
      `Deployment ${request.deployment} has ${names.length} containers (${names.join(', ')}): name the one to update`,
    );
  return names[0];
}
