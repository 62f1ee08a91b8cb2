import { randomUUID } from 'node:crypto';
import { newPodTemplate, revisionOf, selects, withHistory } from '../domain/rollout/rollout';
import type { Rollout, RolloutRequest } from '../domain/rollout/types';
import { errorMessage, ValidationError, type ErrorDetail } from '../errors';
import { alarmsOf, parseRolloutRequest } from '../validation/rollout-request';
import type { DeploymentView } from '../ports/workloads';
import { saveRollout, startRun, type RolloutDeps } from './rollout-deps';

/**
 * POST /rollouts: validate the request against the cluster and CloudWatch (changing neither), take
 * the Deployment's lock with the rollout record in one write, then start the workflow.
 */
export async function startRollout(
  deps: RolloutDeps,
  body: unknown,
  newId: () => string = randomUUID,
): Promise<Rollout> {
  const request = parseRolloutRequest(body);
  const { stable, container, activeSelector, previewSelector } = await checkAgainstCluster(deps, request);
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
    strategy: request.canary ? 'canary' : 'blueGreen',
    request,
    status: 'Progressing',
    phase: request.canary ? 'Steps' : 'Preview',
    currentStepIndex: 0,
    stepStartedAt: now.toISOString(),
    stable: {
      replicas: stable.replicas,
      template: stable.template,
      ...(activeSelector ? { activeSelector } : {}),
      ...(previewSelector ? { previewSelector } : {}),
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
  };
  const rollout = withHistory(
    base,
    now,
    'Started',
    `${base.strategy} rollout of ${request.image ?? 'a pod template patch'} on ${stable.replicas} replicas`,
  );
  await deps.rollouts.create(rollout); // ConflictError naming the active rollout
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
  await deps.events.publish('Rollout Started', {
    rolloutId: id,
    cluster: rollout.cluster,
    namespace: rollout.namespace,
    deployment: rollout.deployment,
    status: rollout.status,
  });
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

  const problems: ErrorDetail[] = [];
  let activeSelector: Record<string, string> | undefined;
  let previewSelector: Record<string, string> | undefined;
  if (request.blueGreen) {
    const { activeService, previewService } = request.blueGreen;
    activeSelector = await deps.workloads.getServiceSelector(cluster, namespace, activeService);
    if (!activeSelector)
      problems.push({
        field: 'blueGreen.activeService',
        reason: `Service ${activeService} not found in namespace ${namespace}`,
      });
    else if (!Object.keys(activeSelector).length || !selects(activeSelector, stable.template)) {
      problems.push({
        field: 'blueGreen.activeService',
        reason: `Service ${activeService} does not select the pods of Deployment ${deployment}`,
      });
    }
    if (previewService) {
      if (previewService === activeService)
        problems.push({ field: 'blueGreen.previewService', reason: 'must differ from activeService' });
      previewSelector = await deps.workloads.getServiceSelector(cluster, namespace, previewService);
      if (!previewSelector)
        problems.push({
          field: 'blueGreen.previewService',
          reason: `Service ${previewService} not found in namespace ${namespace}`,
        });
    }
  }
  if (problems.length)
    throw new ValidationError(
      `invalid rollout request: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      problems,
    );
  return { stable, container, activeSelector, previewSelector };
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
