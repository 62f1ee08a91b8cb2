import { authorize } from '../../../core/access/authorize';
import { ValidationError } from '../../../core/kernel/errors';
import { parseJsonBody } from '../../../core/kernel/parse';
import { abortRollout } from '../../../core/rollouts/commands/abort-rollout';
import { promoteRollout } from '../../../core/rollouts/commands/promote-rollout';
import { retryRollout } from '../../../core/rollouts/commands/retry-rollout';
import { startRollout } from '../../../core/rollouts/commands/start-rollout';
import {
  listRollouts,
  readableRollout,
  rolloutHistory,
  rolloutView,
} from '../../../core/rollouts/queries/get-rollouts';
import { readRolloutLive } from '../../../core/rollouts/queries/rollout-live';
import {
  parseAbortReason,
  parsePromoteRequest,
  parseRolloutRequest,
} from '../../../core/rollouts/requests/rollout-request';
import { accessPolicy } from '../../../core/wiring/access-policy';
import { idempotencyStore } from '../../../core/wiring/dynamodb';
import { pageTokens } from '../../../core/wiring/page-tokens';
import { wired } from '../../container';
import { rolloutPortsOf } from '../../tasks/rollout/ports';
import { areaHandler, type Routes } from '../area';
import { callerOf } from '../caller';
import { bodyText, json } from '../http';
import { idempotently } from '../idempotency';

/** A rollout's ports (those of the rollout workflow's tasks), with the API's own: access, page tokens, idempotency. */
export const ports = wired((w) => ({
  ...rolloutPortsOf(w),
  config: w.config,
  accessPolicy: accessPolicy(w),
  pageTokens: pageTokens(w),
  idempotency: idempotencyStore(w),
}));

type Ports = ReturnType<typeof ports>;

export const routes: Routes<Ports> = {
  'POST /rollouts': async (event, c) => {
    const body = parseJsonBody(bodyText(event));
    const { cluster, namespace } = parseRolloutRequest(body);
    const createdBy = callerOf(event).principalArn;
    const grants = authorize(c, createdBy, 'rollout', { cluster, namespace });
    return idempotently(event, c, createdBy, async () => {
      // `undefined`: the use case's default id generator. The patch must fit one granting statement entirely.
      const rollout = await startRollout(c, body, undefined, grants, createdBy);
      return json(202, { id: rollout.id, status: rollout.status });
    });
  },

  // Only namespaces the caller may read are queried (see listRollouts); the page token is sealed and bound to the caller.
  'GET /rollouts': async (event, c) =>
    json(200, await listRollouts(c, callerOf(event).principalArn, event.queryStringParameters ?? {})),

  // A rollout the caller may not read is a 404, the same as one that does not exist.
  'GET /rollouts/{id}': async (event, c) =>
    json(200, rolloutView(await readableRollout(c, callerOf(event).principalArn, event.pathParameters?.id ?? ''))),

  'POST /rollouts/{id}/promote': async (event, c) => {
    const id = event.pathParameters?.id ?? '';
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'promote', await rolloutResource(c, principal, id));
    const request = parsePromoteRequest(optionalJsonObject(bodyText(event)), event.headers?.['idempotency-key']);
    return idempotently(event, c, principal, async () => json(200, rolloutView(await promoteRollout(c, id, request))));
  },

  'POST /rollouts/{id}/abort': async (event, c) => {
    const id = event.pathParameters?.id ?? '';
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'abort', await rolloutResource(c, principal, id));
    const reason = parseAbortReason(optionalJsonObject(bodyText(event)));
    return idempotently(event, c, principal, async () => json(200, rolloutView(await abortRollout(c, id, reason))));
  },

  // The same release again, as a new rollout: the caller needs `rollout` where the first one ran.
  'POST /rollouts/{id}/retry': async (event, c) => {
    const id = event.pathParameters?.id ?? '';
    const principal = callerOf(event).principalArn;
    const grants = authorize(c, principal, 'rollout', await rolloutResource(c, principal, id));
    return idempotently(event, c, principal, async () => {
      const rollout = await retryRollout(c, id, grants, principal);
      return json(202, { id: rollout.id, status: rollout.status, retryOf: id });
    });
  },

  // One page of the history, oldest first (GET /rollouts/{id} has all of it).
  'GET /rollouts/{id}/history': async (event, c) =>
    json(
      200,
      await rolloutHistory(
        c,
        callerOf(event).principalArn,
        event.pathParameters?.id ?? '',
        event.queryStringParameters ?? {},
      ),
    ),

  // What the cluster and CloudWatch show now (replicas of each side, alarm states): the CLI's watch and the dashboard.
  'GET /rollouts/{id}/live': async (event, c) => {
    const rollout = await readableRollout(c, callerOf(event).principalArn, event.pathParameters?.id ?? '');
    return json(200, await readRolloutLive(c, rolloutView(rollout)));
  },
};

export const main = areaHandler(routes, ports);

/** Bodies that may be empty (promote, abort): none means `{}`. */
function optionalJsonObject(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  const value = parseJsonBody(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw ValidationError.forField('body', 'must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Where a rollout acts, read before promote or abort is allowed to change it: one the caller may not even read is
 * a 404 (as a missing one); one it may read but not change is a 403 (it knows the rollout exists already).
 */
async function rolloutResource(c: Ports, principal: string, id: string) {
  const rollout = await readableRollout(c, principal, id);
  return { cluster: rollout.cluster, namespace: rollout.namespace };
}
