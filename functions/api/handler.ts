import { NotFoundError } from '../../shared/errors';
import { container } from '../container';
import { requireCaller } from './caller';
import { bodyLimit, errorResponses, withMiddleware, type HttpEvent } from './http';
import { routes } from './routes';

/** The HTTP API's one Lambda: routes by API Gateway's routeKey. */
export const main = withMiddleware(
  async (event: HttpEvent) => {
    const route = routes[event.routeKey];
    if (!route) throw new NotFoundError(`no route ${event.routeKey}`);
    return route(event, container());
  },
  [errorResponses(() => container().logger), requireCaller(), bodyLimit()],
);
