import { authorize, readableOnly } from '../../../../core/access/authorize';
import type { AccessPolicy } from '../../../../core/access/domain/policy';
import { ForbiddenError } from '../../../../core/kernel/errors';
import { createLogger } from '../../../../core/kernel/logger';

const DEV = 'arn:aws:iam::000000000000:role/team-developer';
const policy: AccessPolicy = {
  statements: [
    { sid: 'devs', principals: [DEV], clusters: ['sandbox'], namespaces: ['team-*'], actions: ['read', 'rollout'] },
  ],
};

function deps() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', {}, (line) => lines.push(JSON.parse(line)) > 0);
  return { deps: { accessPolicy: () => policy, logger }, lines };
}

describe('authorize', () => {
  it('returns the granting statements and logs the allow with the principal', () => {
    // Prepare
    const { deps: d, lines } = deps();
    // Act
    const grants = authorize(d, DEV, 'rollout', { cluster: 'sandbox', namespace: 'team-a' });
    // Assess
    expect(grants.map((g) => g.sid)).toEqual(['devs']);
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'access allowed',
        principal: DEV,
        action: 'rollout',
        namespace: 'team-a',
        decision: 'allow',
      }),
    ]);
  });

  it('throws a 403 naming the action and the resource, and logs the deny with the principal', () => {
    // Prepare
    const { deps: d, lines } = deps();
    // Act
    const attempt = () => authorize(d, DEV, 'rollout', { cluster: 'sandbox', namespace: 'kube-system' });
    // Assess
    expect(attempt).toThrow(ForbiddenError);
    expect(attempt).toThrow(`${DEV} may not rollout on sandbox/kube-system`);
    expect(lines[0]).toMatchObject({ level: 'WARN', message: 'access denied', principal: DEV, decision: 'deny' });
  });

  it('refuses an unauthenticated caller everything', () => {
    const { deps: d } = deps();
    expect(() => authorize(d, undefined, 'read', { cluster: 'sandbox', namespace: 'team-a' })).toThrow(
      'an unauthenticated caller may not read on sandbox/team-a',
    );
  });
});

describe('readableOnly', () => {
  it('keeps what the caller may read and logs how many it hid', () => {
    // Prepare
    const { deps: d, lines } = deps();
    const items = [
      { id: 1, cluster: 'sandbox', namespace: 'team-a' },
      { id: 2, cluster: 'sandbox', namespace: 'payments' },
      { id: 3, cluster: 'prod', namespace: 'team-a' },
    ];
    // Act
    const readable = readableOnly(d, DEV, items);
    // Assess
    expect(readable.map((i) => i.id)).toEqual([1]);
    expect(lines[0]).toMatchObject({ principal: DEV, decision: 'filter', shown: 1, hidden: 2 });
  });
});
