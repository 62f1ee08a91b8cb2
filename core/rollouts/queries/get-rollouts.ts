import { type AccessDeps, authorize, mayRead, requireReadable } from '../../access/authorize';
import { protectedNamespacesOf } from '../../access/domain/policy';
import { ValidationError } from '../../kernel/errors';
import { describeStep, stepsOf } from '../domain/rollout';
import { rolloutNotFound } from '../domain/rollout-errors';
import type { Rollout } from '../domain/types';
import type { PageTokenBinding, PageTokens } from '../ports/page-tokens';
import type { RolloutStore } from '../ports/rollout-store';
import { parseHistoryQuery, parseRolloutListQuery } from '../requests/rollout-list-query';

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
    retryOf: r.retryOf,
  };
}

/** The stored rollout, when the caller may read it; otherwise the same 404 as for an id that does not exist. */
export async function readableRollout(
  deps: AccessDeps & { rollouts: RolloutStore },
  principal: string | undefined,
  id: string,
): Promise<Rollout> {
  const r = await deps.rollouts.get(id);
  requireReadable(deps, principal, r, () => rolloutNotFound(id));
  return r as Rollout;
}

export interface RolloutListDeps extends AccessDeps {
  rollouts: RolloutStore;
  pageTokens: PageTokens;
}

/**
 * GET /rollouts: one page, newest first; list items leave the history out (GET /rollouts/{id} has it).
 *
 * Only what the caller may read is ever queried. A list naming a namespace needs a read grant there (else 403);
 * a list of the whole cluster needs a cluster-wide read grant (else a 400 asking for `namespace`), and leaves out,
 * in the store's query, the protected namespaces that grant does not reach. The page token is sealed
 * (core/adapters/crypto/page-token.ts) and bound to the caller and the filter; it holds the position of the page's last item.
 */
export async function listRollouts(
  deps: RolloutListDeps,
  principal: string,
  query: Record<string, string | undefined>,
) {
  const request = parseRolloutListQuery(query);
  const { cluster, namespace, deployment } = request;
  if (namespace) authorize(deps, principal, 'read', { cluster, namespace });
  else if (!mayRead(deps, principal, { cluster }))
    throw ValidationError.forField('namespace', `is required: you may not read every namespace of cluster ${cluster}`);
  const hiddenNamespaces = namespace
    ? undefined
    : protectedNamespacesOf(deps.accessPolicy()).filter((ns) => !mayRead(deps, principal, { cluster, namespace: ns }));
  const binding: PageTokenBinding = { principal, cluster, namespace, deployment };
  const after = request.nextToken === undefined ? undefined : deps.pageTokens.open(request.nextToken, binding);
  const page = await deps.rollouts.list({
    cluster,
    ...(namespace ? { namespace } : {}),
    ...(deployment ? { deployment } : {}),
    limit: request.limit,
    ...(after !== undefined ? { after } : {}),
    ...(hiddenNamespaces?.length ? { hiddenNamespaces } : {}),
  });
  return {
    rollouts: page.rollouts.map((r) => {
      const { history: _history, ...item } = rolloutView(r);
      return item;
    }),
    ...(page.next ? { nextToken: deps.pageTokens.seal(page.next, binding) } : {}),
  };
}

/**
 * GET /rollouts/{id}/history: the history oldest first, one page at a time. The token holds the index of the next
 * entry, sealed and bound to the caller and this rollout's history.
 */
export async function rolloutHistory(
  deps: RolloutListDeps,
  principal: string,
  id: string,
  query: Record<string, string | undefined>,
) {
  const request = parseHistoryQuery(query);
  const r = await readableRollout(deps, principal, id);
  const binding: PageTokenBinding = { principal, cluster: r.cluster, namespace: r.namespace, list: `history/${id}` };
  const start = request.nextToken === undefined ? 0 : Number(deps.pageTokens.open(request.nextToken, binding));
  const entries = r.history.slice(start, start + request.limit);
  const next = start + entries.length;
  return {
    id: r.id,
    status: r.status,
    history: entries,
    ...(next < r.history.length ? { nextToken: deps.pageTokens.seal(String(next), binding) } : {}),
  };
}
