import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody, errorBodyOf, isEksflowError, ValidationError } from '../../core/kernel/errors';
import type { Logger } from '../../core/kernel/logger';

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

/**
 * Largest request body: the biggest valid rollout request (a 32 KiB podTemplatePatch, 50 steps,
 * 20 alarm names) fits with room to spare.
 */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** The body as bytes (API Gateway base64-encodes binary bodies). */
export function decodedBody(event: HttpEvent): Buffer | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/** The body as text (UTF-8), for the routes that parse JSON. */
export function bodyText(event: HttpEvent): string | undefined {
  return decodedBody(event)?.toString('utf8');
}

/** Refuses a body above `maxBytes` before anything parses it: a 400 naming `body`. */
export function bodyLimit(maxBytes = MAX_REQUEST_BODY_BYTES): Middleware {
  return {
    before: (event) => {
      if (event.body === undefined || event.body === null) return;
      // Cheap upper bound first: a UTF-8 string never has more bytes than 3 per UTF-16 unit.
      const bytes = event.isBase64Encoded
        ? Math.floor((event.body.length * 3) / 4)
        : event.body.length * 3 <= maxBytes
          ? 0
          : Buffer.byteLength(event.body, 'utf8');
      if (bytes > maxBytes)
        throw ValidationError.forField('body', `is ${bytes} bytes; requests are limited to ${maxBytes} bytes`);
    },
  };
}
