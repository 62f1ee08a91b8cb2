import type { HttpEvent } from '../../../../functions/api/http';
import { principalOf } from '../../../../functions/api/principal';

const eventWith = (authorizer: unknown) => ({ requestContext: { authorizer } }) as unknown as HttpEvent;

describe('principalOf', () => {
  it.each([
    ['the IAM authorizer user ARN', { iam: { userArn: 'arn:aws:iam::1:user/a' } }, 'arn:aws:iam::1:user/a'],
    ['no authorizer', undefined, undefined],
    ['an empty ARN', { iam: { userArn: '' } }, undefined],
    ['a non-string ARN', { iam: { userArn: 42 } }, undefined],
    ['a JWT authorizer', { jwt: { claims: { sub: 'x' } } }, undefined],
  ])('%s → %s', (_name, authorizer, expected) => {
    expect(principalOf(eventWith(authorizer))).toBe(expected);
  });
});
