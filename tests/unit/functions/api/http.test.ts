import { createLogger } from '../../../../core/kernel/logger';
import { bodyLimit, errorResponses, type HttpEvent, json, withMiddleware } from '../../../../functions/api/http';

const handler = jest.fn(async (_event: HttpEvent) => json(200, { ok: true }));
const limited = withMiddleware(handler, [errorResponses(() => createLogger('silent')), bodyLimit(100)]);
const event = (body: string | undefined, isBase64Encoded = false) =>
  ({ routeKey: 'POST /rollouts', body, isBase64Encoded }) as HttpEvent;

describe('bodyLimit', () => {
  beforeEach(() => handler.mockClear());

  it.each([
    ['text', event('x'.repeat(101))],
    ['multi-byte text', event('é'.repeat(51))],
    ['base64', event(Buffer.from('x'.repeat(101)).toString('base64'), true)],
  ])('refuses a %s body above the limit with a 400 naming body, before the handler runs', async (_kind, e) => {
    // Act
    const result = await limited(e);

    // Assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body as string).error.details[0]).toMatchObject({ field: 'body' });
    expect(handler).not.toHaveBeenCalled();
  });

  it.each([
    ['no body', event(undefined)],
    ['a body at the limit', event('x'.repeat(100))],
  ])('lets %s through', async (_kind, e) => {
    // Act
    const result = await limited(e);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
