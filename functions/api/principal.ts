import type { HttpEvent } from './http';

/**
 * The caller's principal ARN, as API Gateway's IAM authorizer puts it on the event (the local runtime fills the
 * same field). Undefined means unauthenticated: the access policy then allows nothing.
 */
export function principalOf(event: HttpEvent): string | undefined {
  const context = event.requestContext as HttpEvent['requestContext'] & {
    authorizer?: { iam?: { userArn?: unknown } };
  };
  const arn = context?.authorizer?.iam?.userArn;
  return typeof arn === 'string' && arn !== '' ? arn : undefined;
}
