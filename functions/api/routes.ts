import { authorize, readableOnly } from '../../core/access/authorize';
import { startDeleteCluster } from '../../core/clusters/commands/delete-cluster';
import { startProvisionCluster } from '../../core/clusters/commands/provision-cluster';
import { retryOperation } from '../../core/clusters/commands/retry-operation';
import { getCluster, listClusters } from '../../core/clusters/queries/get-clusters';
import { parseClusterSpec } from '../../core/clusters/requests/cluster-spec';
import { doctorClusters, runDoctor } from '../../core/health/queries/doctor';
import { getHealth, getLiveness } from '../../core/health/queries/get-health';
import { ValidationError } from '../../core/kernel/errors';
import { parseJsonBody } from '../../core/kernel/parse';
import { operationView, readableOperation } from '../../core/operations/queries/get-operation';
import { abortRollout } from '../../core/rollouts/commands/abort-rollout';
import { promoteRollout } from '../../core/rollouts/commands/promote-rollout';
import { startRollout } from '../../core/rollouts/commands/start-rollout';
import { listRollouts, readableRollout, rolloutView } from '../../core/rollouts/queries/get-rollouts';
import { readRolloutLive } from '../../core/rollouts/queries/rollout-live';
import {
  parseAbortReason,
  parsePromoteRequest,
  parseRolloutRequest,
} from '../../core/rollouts/requests/rollout-request';
import { createPolicy, deletePolicy, listPolicies } from '../../core/scaling/commands/manage-policies';
import { createSchedule, deleteSchedule, listSchedules } from '../../core/scaling/commands/manage-schedules';
import { requireScalableCluster } from '../../core/scaling/commands/managed-only';
import { requestScale } from '../../core/scaling/commands/start-scale';
import { getNodegroup, listNodegroups } from '../../core/scaling/queries/nodegroup-views';
import { parseScaleRequest } from '../../core/scaling/requests/scaling-request';
import type { Container } from '../../core/wiring/container';
import { clusterDepsOf, doctorDepsOf } from '../../core/wiring/deps-of';
import { callerOf } from './caller';
import { decodedBody, type HttpEvent, type HttpResult, json } from './http';
import { idempotently } from './idempotency';
import { openApiDocument } from './openapi';

export type Route = (event: HttpEvent, c: Container) => Promise<HttpResult>;

/** Keyed by API Gateway's routeKey; serverless.yml declares the same keys (tests check they agree). */
export const routes: Record<string, Route> = {
  // Open to anyone: liveness only (no AWS call, nothing about the account; see getLiveness).
  'GET /health': async () => json(200, getLiveness()),

  // Each dependency's state and error text: signed (API Gateway cannot check a signature on the open route
  // above, so the deep check is a route of its own with the IAM authorizer).
  'GET /health/deep': async (event, c) => {
    callerOf(event);
    const report = await getHealth(c.healthChecks);
    return json(report.status === 'ok' ? 200 : 503, report);
  },

  // The contract (docs/openapi.json is the same document): signed, but any caller may read it; it holds no tenant data.
  'GET /openapi.json': async (event) => {
    callerOf(event);
    return json(200, openApiDocument());
  },

  'POST /clusters': async (event, c) => {
    const body = parseJsonBody(bodyText(event));
    const spec = parseClusterSpec(body, c.config.clusterDefaults);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'cluster', { cluster: spec.name });
    const dryRun = flag(event, 'dryRun');
    return idempotently(event, c, principal, async () => {
      const answer = await startProvisionCluster(clusterDepsOf(c), body, { dryRun });
      return json(answer.status, answer.body);
    });
  },

  'GET /clusters': async (event, c) => {
    const principal = callerOf(event).principalArn;
    const readable = (names: string[]) =>
      readableOnly(
        c,
        principal,
        names.map((cluster) => ({ cluster })),
      ).map((r) => r.cluster);
    return json(200, await listClusters(c, readable));
  },

  'GET /clusters/{name}': async (event, c) => {
    const name = event.pathParameters?.name ?? '';
    authorize(c, callerOf(event).principalArn, 'read', { cluster: name });
    return json(200, await getCluster(c, name));
  },

  'DELETE /clusters/{name}': async (event, c) => {
    const name = event.pathParameters?.name ?? '';
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'cluster', { cluster: name });
    const options = { force: flag(event, 'force'), dryRun: flag(event, 'dryRun') };
    return idempotently(event, c, principal, async () => {
      const answer = await startDeleteCluster(clusterDepsOf(c), name, options);
      return json(answer.status, answer.body);
    });
  },

  'POST /operations/{id}/retry': async (event, c) => {
    const id = event.pathParameters?.id ?? '';
    const principal = callerOf(event).principalArn;
    const operation = await readableOperation(c, principal, id);
    authorize(c, principal, 'cluster', { cluster: operation.cluster });
    return idempotently(event, c, principal, async () => json(202, await retryOperation(clusterDepsOf(c), id)));
  },

  // The record is read and the caller allowed before the workflow's history is paged (that costs AWS calls).
  'GET /operations/{id}': async (event, c) => {
    const operation = await readableOperation(c, callerOf(event).principalArn, event.pathParameters?.id ?? '');
    return json(200, await operationView(operation, c.workflows));
  },

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

  'GET /clusters/{name}/nodegroups': async (event, c) => {
    const cluster = event.pathParameters?.name ?? '';
    authorize(c, callerOf(event).principalArn, 'read', { cluster });
    return json(200, await listNodegroups(c, cluster));
  },

  'GET /clusters/{name}/nodegroups/{ng}': async (event, c) => {
    const target = nodegroupOf(event);
    authorize(c, callerOf(event).principalArn, 'read', { cluster: target.cluster });
    return json(200, await getNodegroup(c, target));
  },

  'POST /clusters/{name}/nodegroups/{ng}/scale': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    const { request, protectPending } = parseScaleRequest(parseJsonBody(bodyText(event)));
    await requireScalableCluster(c, principal, 'scale', target.cluster);
    // A relative change repeated is a second change: a delta is only taken with a key that makes a repeat harmless.
    const keyRequired = 'delta' in request && request.delta !== undefined;
    return idempotently(
      event,
      c,
      principal,
      async () => json(202, await requestScale(c, target, request, { protectPending, principal })),
      keyRequired ? 'a scale by delta applied twice would change the size twice' : undefined,
    );
  },

  'POST /clusters/{name}/nodegroups/{ng}/schedules': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    const body = parseJsonBody(bodyText(event));
    await requireScalableCluster(c, principal, 'create schedule', target.cluster);
    return idempotently(event, c, principal, async () => json(201, await createSchedule(c, target, body, principal)));
  },

  'GET /clusters/{name}/nodegroups/{ng}/schedules': async (event, c) => {
    const target = nodegroupOf(event);
    authorize(c, callerOf(event).principalArn, 'read', { cluster: target.cluster });
    return json(200, await listSchedules(c, target));
  },

  'DELETE /clusters/{name}/nodegroups/{ng}/schedules/{schedule}': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    return idempotently(event, c, principal, async () => {
      await deleteSchedule(c, target, event.pathParameters?.schedule ?? '');
      return json(204, undefined);
    });
  },

  'POST /clusters/{name}/nodegroups/{ng}/policies': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    const body = parseJsonBody(bodyText(event));
    await requireScalableCluster(c, principal, 'create policy', target.cluster);
    return idempotently(event, c, principal, async () => json(201, await createPolicy(c, target, body, principal)));
  },

  'GET /clusters/{name}/nodegroups/{ng}/policies': async (event, c) => {
    const target = nodegroupOf(event);
    authorize(c, callerOf(event).principalArn, 'read', { cluster: target.cluster });
    return json(200, await listPolicies(c, target));
  },

  'DELETE /clusters/{name}/nodegroups/{ng}/policies/{policy}': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    return idempotently(event, c, principal, async () => {
      await deletePolicy(c, target, event.pathParameters?.policy ?? '');
      return json(204, undefined);
    });
  },

  'POST /rollouts/{id}/abort': async (event, c) => {
    const id = event.pathParameters?.id ?? '';
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'abort', await rolloutResource(c, principal, id));
    const reason = parseAbortReason(optionalJsonObject(bodyText(event)));
    return idempotently(event, c, principal, async () => json(200, rolloutView(await abortRollout(c, id, reason))));
  },

  // eksflow doctor: every check on the named cluster (a cluster-wide read grant), or on each cluster eksflow acts
  // on that the caller may read cluster-wide. Always 200 with the report: a failing check is an answer, not an error.
  'GET /doctor': async (event, c) => {
    const principal = callerOf(event).principalArn;
    const named = event.queryStringParameters?.cluster;
    if (named !== undefined && !named) throw ValidationError.forField('cluster', 'must name a cluster when given');
    if (named) authorize(c, principal, 'read', { cluster: named });
    const deps = doctorDepsOf(c);
    const clusters = named
      ? [named]
      : await doctorClusters(deps, (names) =>
          readableOnly(
            c,
            principal,
            names.map((cluster) => ({ cluster })),
          ).map((r) => r.cluster),
        );
    return json(200, await runDoctor(deps, clusters));
  },

  // What the cluster and CloudWatch show now (replicas of each side, alarm states): the CLI's watch and the dashboard.
  'GET /rollouts/{id}/live': async (event, c) => {
    const rollout = await readableRollout(c, callerOf(event).principalArn, event.pathParameters?.id ?? '');
    return json(200, await readRolloutLive(c, rolloutView(rollout)));
  },
};

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
async function rolloutResource(c: Container, principal: string, id: string) {
  const rollout = await readableRollout(c, principal, id);
  return { cluster: rollout.cluster, namespace: rollout.namespace };
}

/** The extras the statements that allowed a rollout give its patch: their pod fields and image registries. */
/** A boolean query flag (`?dryRun=true`): only "true" and "false"; anything else is a 400 naming it. */
function flag(event: HttpEvent, name: string): boolean {
  const value = event.queryStringParameters?.[name];
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw ValidationError.forField(name, 'must be true or false');
}

/** The node group a /clusters/{name}/nodegroups/{ng}/… route names. */
function nodegroupOf(event: HttpEvent): { cluster: string; nodegroup: string } {
  return { cluster: event.pathParameters?.name ?? '', nodegroup: event.pathParameters?.ng ?? '' };
}

function bodyText(event: HttpEvent): string | undefined {
  return decodedBody(event)?.toString('utf8');
}
