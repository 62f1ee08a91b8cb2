import { describeStep, stepsOf } from '../domain/rollout/rollout';
import type { Rollout } from '../domain/rollout/types';
import { NotFoundError, ValidationError } from '../errors';
import type { RolloutStore } from '../ports/rollout-store';

/** The public shape of a rollout (GET /rollouts…): no internal bookkeeping. */
export function rolloutView(r: Rollout) {
  const steps = stepsOf(r);
  return {
    id: r.id,
    cluster: r.cluster,
    namespace: r.namespace,
    deployment: r.deployment,
    strategy: r.strategy,
    status: r.status,
    phase: r.phase,
    currentStepIndex: r.strategy === 'canary' ? r.currentStepIndex : undefined,
    currentStep: r.strategy === 'canary' && r.phase === 'Steps' ? describeStep(steps[r.currentStepIndex]) : undefined,
    steps: r.strategy === 'canary' ? steps : undefined,
    weights: r.weights,
    pause: r.pause,
    abort: r.abort,
    revision: r.revision,
    image: r.request.image,
    alarms: r.alarms,
    history: r.history,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    finishedAt: r.finishedAt,
  };
}

export async function getRollout(rollouts: RolloutStore, id: string) {
  const r = await rollouts.get(id);
  if (!r) throw new NotFoundError(`rollout ${id} not found`, { details: [{ field: 'id', reason: 'no such rollout' }] });
  return rolloutView(r);
}

export async function listRollouts(rollouts: RolloutStore, query: Record<string, string | undefined>) {
  const { cluster, namespace, deployment } = query;
  if (!cluster) throw ValidationError.forField('cluster', 'is required (query parameter)');
  if (deployment && !namespace) throw ValidationError.forField('namespace', 'is required when deployment is given');
  const found = await rollouts.list({ cluster, namespace, deployment });
  return { rollouts: found.map(rolloutView) };
}
