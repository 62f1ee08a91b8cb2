import { parseJsonBody } from '../../shared/validation/parse';
import { getHealth } from '../../shared/use-cases/get-health';
import { getOperation } from '../../shared/use-cases/get-operation';
import { startProvisionCluster } from '../../shared/use-cases/provision-cluster';
import type { Container } from '../../shared/composition-root';
import { json, type HttpEvent, type HttpResult } from './http';

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

  'GET /operations/{id}': async (event, c) => json(200, await getOperation(c.operations, event.pathParameters?.id ?? '')),
};

function provisionDeps(c: Container) {
  return { ...c, clusterDefaults: c.config.clusterDefaults, clusterPollSeconds: c.config.clusterPollSeconds };
}

function bodyText(event: HttpEvent): string | undefined {
  if (event.body === undefined) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
