import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody, errorBodyOf, isEksflowError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** middy-style middleware: each part optional, run around the handler. */
export interface Middleware {
  before?: (event: HttpEvent) => Promise<void> | void;
  after?: (event: HttpEvent, result: HttpResult) => Promise<HttpResult> | HttpResult;
  onError?: (event: HttpEvent, error: unknown) => Promise<HttpResult | undefined> | HttpResult | undefined;
}

export function withMiddleware(handler: (event: HttpEvent) => Promise<HttpResult>, middlewares: Middleware[]) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    try {
      for (const m of middlewares) await m.before?.(event);
      let result = await handler(event);
      for (const m of [...middlewares].reverse()) if (m.after) result = await m.after(event, result);
      return result;
    } catch (error) {
      for (const m of middlewares) {
        const mapped = await m.onError?.(event, error);
        if (mapped) return mapped;
      }
      throw error;
    }
  };
}

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The one error-to-HTTP mapper: our errors keep their status; anything else is a logged 500 without internals. */
export function errorResponses(logger: () => Logger): Middleware {
  return {
    onError: (event, error) => {
      if (isEksflowError(error)) {
        if (error.status >= 500) logger().warn('request failed', { route: event.routeKey, error });
        return json(error.status, errorBodyOf(error));
      }
      logger().error('unhandled error', { route: event.routeKey, error, stack: (error as Error)?.stack });
      return json(500, errorBody('InternalError', 'internal error'));
    },
  };
}
