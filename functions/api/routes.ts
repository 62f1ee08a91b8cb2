import { parseJsonBody } from '../../shared/validation/parse';
import { parseAbortReason, parsePromoteRequest } from '../../shared/validation/rollout-request';
import { getHealth } from '../../shared/use-cases/get-health';
import { getOperation } from '../../shared/use-cases/get-operation';
import { startProvisionCluster } from '../../shared/use-cases/provision-cluster';
import { abortRollout } from '../../shared/use-cases/abort-rollout';
import { getRollout, listRollouts, rolloutView } from '../../shared/use-cases/get-rollouts';
import { promoteRollout } from '../../shared/use-cases/promote-rollout';
import { startRollout } from '../../shared/use-cases/start-rollout';
import { ValidationError } from '../../shared/errors';
import type { Container } from '../../shared/composition-root';
import { callerOf } from './caller';
import { decodedBody, json, type HttpEvent, type HttpResult } from './http';

export type Route = (event: HttpEvent, c: Container) => Promise<HttpResult>;

/** Keyed by API Gateway's routeKey; serverless.yml declares the same keys (tests check they agree). */
export const routes: Record<string, Route> = {
  'GET /health': async (_event, c) => {
    const report = await getHealth(c.healthChecks);
    return json(report.status === 'ok' ? 200 : 503, report);
  },

  'POST /clusters': async (event, c) => {
    const result = await startProvisionCluster(provisionDeps(c), parseJsonBody(bodyText(event)));
    return json(202, result);
  },

  'GET /operations/{id}': async (event, c) =>
    json(200, await getOperation(c.operations, event.pathParameters?.id ?? '')),

  'POST /rollouts': async (event, c) => {
    const createdBy = callerOf(event).principalArn;
    // `undefined`: the use case's default id generator.
    const rollout = await startRollout(c, parseJsonBody(bodyText(event)), undefined, createdBy);
    return json(202, { id: rollout.id, status: rollout.status });
  },

  'GET /rollouts': async (event, c) => json(200, await listRollouts(c.rollouts, event.queryStringParameters ?? {})),

  'GET /rollouts/{id}': async (event, c) => json(200, await getRollout(c.rollouts, event.pathParameters?.id ?? '')),

  'POST /rollouts/{id}/promote': async (event, c) => {
    const request = parsePromoteRequest(optionalJsonObject(bodyText(event)), event.headers?.['idempotency-key']);
    return json(200, rolloutView(await promoteRollout(c, event.pathParameters?.id ?? '', request)));
  },

  'POST /rollouts/{id}/abort': async (event, c) => {
    const reason = parseAbortReason(optionalJsonObject(bodyText(event)));
    return json(200, rolloutView(await abortRollout(c, event.pathParameters?.id ?? '', reason)));
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

function provisionDeps(c: Container) {
  return { ...c, clusterDefaults: c.config.clusterDefaults, clusterPollSeconds: c.config.clusterPollSeconds };
}

function bodyText(event: HttpEvent): string | undefined {
  return decodedBody(event)?.toString('utf8');
}
