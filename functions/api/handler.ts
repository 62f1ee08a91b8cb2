import type { Context } from 'aws-lambda';
import { NotFoundError } from '../../core/kernel/errors';
import { everyPort } from '../../core/wiring/every-port';
import { wired } from '../container';
import { forInvocation } from '../invocation';
import { requireCaller } from './caller';
import { bodyLimit, errorResponses, type HttpEvent, withMiddleware } from './http';
import { routes } from './routes';

/** Its routes reach every area: every port. */
export const ports = wired(everyPort);

/** The HTTP API's one Lambda: routes by API Gateway's routeKey. */
export const main = (event: HttpEvent, context?: Context) =>
  withMiddleware(
    async (request: HttpEvent) => {
      const route = routes[request.routeKey];
      if (!route) throw new NotFoundError(`no route ${request.routeKey}`);
      return route(request, invocation(request, context));
    },
    [errorResponses(() => invocation(event, context).logger), requireCaller(), bodyLimit()],
  )(event);

/**
 * A request's correlation id: the rollout or operation it names (`/rollouts/{id}`, `/operations/{id}`), so
 * its lines join the workflow's; else API Gateway's request id.
 */
function invocation(event: HttpEvent, context?: Context) {
  return forInvocation(ports(), event.pathParameters?.id ?? event.requestContext?.requestId, context);
}
