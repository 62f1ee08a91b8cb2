import { describeStep, stepsOf } from '../domain/rollout/rollout';
import type { Rollout } from '../domain/rollout/types';
import { NotFoundError } from '../errors';
import { parseRolloutListQuery } from '../validation/rollout-list-query';
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
    createdBy: r.createdBy,
  };
}

export async function getRollout(rollouts: RolloutStore, id: string) {
  const r = await rollouts.get(id);
  if (!r) throw new NotFoundError(`rollout ${id} not found`, { details: [{ field: 'id', reason: 'no such rollout' }] });
  return rolloutView(r);
}

/** GET /rollouts: one page, newest first; list items leave the history out (GET /rollouts/{id} has it). */
export async function listRollouts(rollouts: RolloutStore, query: Record<string, string | undefined>) {
  const page = await rollouts.list(parseRolloutListQuery(query));
  return {
    rollouts: page.rollouts.map((r) => {
      const { history: _history, ...item } = rolloutView(r);
      return item;
    }),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
}
