import { UnauthenticatedError } from '../../core/kernel/errors';
import type { HttpEvent, Middleware } from './http';

/** Who made a request: the IAM principal that signed it. */
export interface Caller {
  principalArn: string;
}

/** Routes anyone may call (serverless.yml gives them no authorizer; a unit test checks both agree). */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['GET /health']);

/** What API Gateway's IAM authorizer adds to the request context (payload v2); the sandbox fills it the same way. */
interface IamAuthorizerContext {
  iam?: { userArn?: string | null };
}

/**
 * The principal that signed the request. Deployed, API Gateway has checked the SigV4 signature and put the
 * principal in `requestContext.authorizer.iam`; in the sandbox, the local HTTP server does the same.
 */
export function callerOf(event: HttpEvent): Caller {
  const context = event.requestContext as HttpEvent['requestContext'] & { authorizer?: IamAuthorizerContext };
  const principalArn = context.authorizer?.iam?.userArn;
  if (!principalArn) throw new UnauthenticatedError('the request is not signed with AWS SigV4 (service execute-api)');
  return { principalArn };
}

/**
 * Refuses a request on a protected route that reached the handler without a principal: a second line
 * behind the authorizer (a route added without `authorizer: aws_iam` would otherwise be open).
 */
export function requireCaller(publicRoutes: ReadonlySet<string> = PUBLIC_ROUTES): Middleware {
  return {
    before: (event) => {
      if (!publicRoutes.has(event.routeKey)) callerOf(event);
    },
  };
}
