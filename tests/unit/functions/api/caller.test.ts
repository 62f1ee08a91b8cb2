import { UnauthenticatedError } from '../../../../core/kernel/errors';
import { createLogger } from '../../../../core/kernel/logger';
import { callerOf, requireCaller } from '../../../../functions/api/caller';
import { errorResponses, type HttpEvent, json, withMiddleware } from '../../../../functions/api/http';

const PRINCIPAL = 'arn:aws:iam::123456789012:role/deployer';
/** A payload-v2 event as API Gateway sends it, with or without the IAM authorizer's context. */
const event = (routeKey: string, userArn?: string) =>
  ({
    routeKey,
    requestContext: userArn ? { authorizer: { iam: { userArn, accessKey: 'AKIA1', accountId: '123456789012' } } } : {},
  }) as unknown as HttpEvent;

describe('callerOf', () => {
  it('reads the principal API Gateway put in the IAM authorizer context', () => {
    // Act
    const caller = callerOf(event('POST /rollouts', PRINCIPAL));

    // Assess
    expect(caller).toEqual({ principalArn: PRINCIPAL });
  });

  it('throws UnauthenticatedError (401, Unauthenticated) when there is no principal', () => {
    // Act
    const act = () => callerOf(event('POST /rollouts'));

    // Assess
    expect(act).toThrow(UnauthenticatedError);
    expect(act).toThrow(expect.objectContaining({ status: 401, code: 'Unauthenticated' }));
  });
});

describe('requireCaller', () => {
  const handler = jest.fn(async (_event: HttpEvent) => json(200, { ok: true }));
  const guarded = withMiddleware(handler, [errorResponses(() => createLogger('silent')), requireCaller()]);
  beforeEach(() => handler.mockClear());

  it('answers 401 on a protected route without a principal, before the handler runs', async () => {
    // Act
    const result = await guarded(event('POST /rollouts'));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body as string).error.code).toBe('Unauthenticated');
    expect(handler).not.toHaveBeenCalled();
  });

  it.each([
    ['a protected route with a principal', event('GET /rollouts/{id}', PRINCIPAL)],
    ['GET /health without one', event('GET /health')],
  ])('lets %s through', async (_case, e) => {
    // Act
    const result = await guarded(e);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
