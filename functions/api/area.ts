import type { Context } from 'aws-lambda';
import { NotFoundError } from '../../core/kernel/errors';
import type { Logger } from '../../core/kernel/logger';
import { forInvocation } from '../invocation';
import { requireCaller } from './caller';
import { bodyLimit, errorResponses, type HttpEvent, type HttpResult, withMiddleware } from './http';

/** One route's work, with the ports of its area (`c`). */
export type Route<C> = (event: HttpEvent, c: C) => Promise<HttpResult>;

/** An area's routes, keyed by API Gateway's routeKey (serverless.yml declares the same keys; tests check they agree). */
export type Routes<C> = Record<string, Route<C>>;

/**
 * The HTTP handler of one area of the API (functions/api/areas/): its routes, with the ports it wires on its first
 * request, behind the same middleware as every other area (errors to HTTP, the caller's signature, the body's size).
 */
export function areaHandler<C extends { logger: Logger }>(routes: Routes<C>, ports: () => C) {
  return (event: HttpEvent, context?: Context): Promise<HttpResult> => {
    // A request's correlation id: the rollout or operation it names (`/rollouts/{id}`, `/operations/{id}`), so its
    // lines join the workflow's; else API Gateway's request id.
    const invocation = () =>
      forInvocation(ports(), event.pathParameters?.id ?? event.requestContext?.requestId, context);
    return withMiddleware(
      async (request: HttpEvent) => {
        const route = routes[request.routeKey];
        if (!route) throw new NotFoundError(`no route ${request.routeKey}`);
        return route(request, invocation());
      },
      [errorResponses(() => invocation().logger), requireCaller(), bodyLimit()],
    )(event);
  };
}
