import { aesGcmPageTokens, pageTokenKeyFrom } from '../../../../../core/adapters/crypto/page-token';
import { ValidationError } from '../../../../../core/kernel/errors';

const binding = { principal: 'arn:aws:iam::1:user/a', cluster: 'c', namespace: 'team-a' };

describe('page tokens', () => {
  const tokens = aesGcmPageTokens(pageTokenKeyFrom('s'.repeat(40)));

  it('opens what it sealed, for the same binding only; two seals of one position differ', () => {
    // Act
    const [one, two] = [tokens.seal('team-a/web#t#id', binding), tokens.seal('team-a/web#t#id', binding)];

    // Assess
    expect(tokens.open(one, binding)).toBe('team-a/web#t#id');
    expect(one).not.toBe(two);
    for (const other of [
      { ...binding, principal: 'arn:aws:iam::1:user/b' },
      { ...binding, namespace: undefined },
      { ...binding, deployment: 'web' },
    ])
      expect(() => tokens.open(one, other)).toThrow(ValidationError);
  });

  it('a token sealed under another key, or too short to hold anything, is a 400 naming nextToken', () => {
    // Prepare
    const foreign = aesGcmPageTokens(pageTokenKeyFrom('t'.repeat(40))).seal('x', binding);

    // Act
    const errors = [foreign, 'AAAA', ''].map((t) => {
      try {
        return tokens.open(t, binding);
      } catch (error) {
        return error;
      }
    });

    // Assess
    for (const error of errors) expect((error as ValidationError).details[0]?.field).toBe('nextToken');
  });

  it('refuses a secret shorter than 32 characters at start', () => {
    expect(() => pageTokenKeyFrom('short')).toThrow(/at least 32/);
  });
});
