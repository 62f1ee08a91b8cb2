import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  type AccessPolicy,
  type Action,
  decide,
  globMatches,
  principalArnsOf,
  type Resource,
} from '../../../../../core/access/domain/policy';
import { parseAccessPolicy } from '../../../../../core/access/requests/access-policy';

const ADMIN = 'arn:aws:iam::000000000000:user/eksflow-admin';
const DEV = 'arn:aws:iam::000000000000:role/team-developer';
const STRANGER = 'arn:aws:iam::000000000000:user/someone-else';
/** How API Gateway names a caller using the developer role deployed (SSO, instance or task role). */
const DEV_SESSION = 'arn:aws:sts::000000000000:assumed-role/team-developer/alice@example.com';
const OTHER_ROLE_SESSION = 'arn:aws:sts::000000000000:assumed-role/team-developer-x/alice';

const sandboxPolicy = parseAccessPolicy(readFileSync('config/access-policy.yaml', 'utf8'), 'config/access-policy.yaml');

describe('globMatches', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything/at:all', true],
    ['team-*', 'team-a', true],
    ['team-*', 'team-', true],
    ['team-*', 'myteam-a', false],
    ['arn:aws:iam::*:role/dev', 'arn:aws:iam::123456789012:role/dev', true],
    ['arn:aws:iam::*:role/dev', 'arn:aws:iam::123456789012:role/developer', false],
    ['a.b', 'axb', false],
    ['sandbox', 'sandbox-2', false],
  ])('%s against %s → %s', (pattern, value, expected) => {
    // Act / Assess
    expect(globMatches(pattern, value)).toBe(expected);
  });

  it('a pattern without * matches only itself', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('*')),
        fc.string(),
        (pattern, value) => {
          expect(globMatches(pattern, value)).toBe(pattern === value);
        },
      ),
    );
  });
});

describe('decide on the sandbox policy', () => {
  const cases: [string, string | undefined, Action, Resource, boolean][] = [
    ['admin rolls out anywhere', ADMIN, 'rollout', { cluster: 'prod-1', namespace: 'payments' }, true],
    ['admin provisions a cluster', ADMIN, 'cluster', { cluster: 'prod-1' }, true],
    ['admin scales', ADMIN, 'scale', { cluster: 'sandbox' }, true],
    [
      'admin is refused kube-system: * does not reach it',
      ADMIN,
      'rollout',
      { cluster: 'sandbox', namespace: 'kube-system' },
      false,
    ],
    ['admin is refused kube-public', ADMIN, 'read', { cluster: 'sandbox', namespace: 'kube-public' }, false],
    ['admin is refused kube-node-lease', ADMIN, 'abort', { cluster: 'sandbox', namespace: 'kube-node-lease' }, false],
    ['developer rolls out in team-a', DEV, 'rollout', { cluster: 'sandbox', namespace: 'team-a' }, true],
    ['developer promotes in team-b', DEV, 'promote', { cluster: 'sandbox', namespace: 'team-b' }, true],
    ['developer aborts in team-a', DEV, 'abort', { cluster: 'sandbox', namespace: 'team-a' }, true],
    ['developer reads in team-a', DEV, 'read', { cluster: 'sandbox', namespace: 'team-a' }, true],
    ['developer is refused default', DEV, 'rollout', { cluster: 'sandbox', namespace: 'default' }, false],
    ['developer is refused another cluster', DEV, 'rollout', { cluster: 'prod-1', namespace: 'team-a' }, false],
    ['developer may not provision', DEV, 'cluster', { cluster: 'sandbox' }, false],
    ['developer may not scale', DEV, 'scale', { cluster: 'sandbox' }, false],
    ['developer may not read cluster-wide things', DEV, 'read', { cluster: 'sandbox' }, false],
    [
      'a session of the developer role rolls out in team-a',
      DEV_SESSION,
      'rollout',
      { cluster: 'sandbox', namespace: 'team-a' },
      true,
    ],
    [
      'a session of the developer role is refused default',
      DEV_SESSION,
      'rollout',
      { cluster: 'sandbox', namespace: 'default' },
      false,
    ],
    [
      'a session of another role gets nothing',
      OTHER_ROLE_SESSION,
      'read',
      { cluster: 'sandbox', namespace: 'team-a' },
      false,
    ],
    ['a stranger gets nothing', STRANGER, 'read', { cluster: 'sandbox', namespace: 'team-a' }, false],
    ['nobody (unauthenticated) gets nothing', undefined, 'read', { cluster: 'sandbox', namespace: 'team-a' }, false],
  ];
  it.each(cases)('%s', (_name, principal, action, resource, allowed) => {
    // Act
    const decision = decide(sandboxPolicy, principal, action, resource);
    // Assess
    expect(decision.allowed).toBe(allowed);
    expect(decision.grants.length > 0).toBe(allowed);
  });

  it('says why a protected namespace is refused', () => {
    // Act
    const decision = decide(sandboxPolicy, ADMIN, 'rollout', { cluster: 'sandbox', namespace: 'kube-system' });
    // Assess
    expect(decision.reason).toMatch(/kube-system is protected/);
  });
});

describe('principalArnsOf', () => {
  it.each([
    [DEV, [DEV]],
    [DEV_SESSION, [DEV_SESSION, DEV]],
    [
      'arn:aws-us-gov:sts::123456789012:assumed-role/ops/i-0abc',
      ['arn:aws-us-gov:sts::123456789012:assumed-role/ops/i-0abc', 'arn:aws-us-gov:iam::123456789012:role/ops'],
    ],
    ['arn:aws:sts::123456789012:federated-user/bob', ['arn:aws:sts::123456789012:federated-user/bob']],
  ])('%s → %j', (principal, arns) => {
    // Act / Assess
    expect(principalArnsOf(principal)).toEqual(arns);
  });
});

describe('decide on protected namespaces named explicitly', () => {
  // Prepare
  const policy: AccessPolicy = {
    statements: [
      {
        sid: 'ops',
        principals: ['arn:aws:iam::*:role/ops'],
        clusters: ['*'],
        namespaces: ['kube-system'],
        actions: ['rollout'],
      },
      { sid: 'glob', principals: ['*'], clusters: ['*'], namespaces: ['kube-*'], actions: ['read'] },
    ],
  };

  it('allows a statement that names kube-system', () => {
    expect(
      decide(policy, 'arn:aws:iam::1:role/ops', 'rollout', { cluster: 'c', namespace: 'kube-system' }),
    ).toMatchObject({
      allowed: true,
      reason: 'allowed by ops',
    });
  });

  it('does not let a glob like kube-* reach a protected namespace', () => {
    expect(decide(policy, 'arn:x', 'read', { cluster: 'c', namespace: 'kube-system' }).allowed).toBe(false);
    expect(decide(policy, 'arn:x', 'read', { cluster: 'c', namespace: 'kube-flannel' }).allowed).toBe(true);
  });

  it('allows nothing with no statements, whatever the request', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('read', 'rollout', 'cluster'), fc.string(), (p, a, c) => {
        expect(decide({ statements: [] }, p, a as Action, { cluster: c, namespace: 'x' }).allowed).toBe(false);
      }),
    );
  });
});

describe('parseAccessPolicy', () => {
  it('reads the optional pod fields and registries', () => {
    // Act
    const policy = parseAccessPolicy(
      'statements:\n  - principals: ["arn:aws:iam::123456789012:role/dev"]\n    clusters: ["*"]\n    namespaces: [team-a]\n    actions: [rollout]\n' +
        '    allowPodFields: [spec.volumes]\n    imageRegistries: ["123.dkr.ecr.eu-west-1.amazonaws.com/"]\n',
      'p.yaml',
    );
    // Assess
    expect(policy.statements[0]).toMatchObject({
      allowPodFields: ['spec.volumes'],
      imageRegistries: ['123.dkr.ecr.eu-west-1.amazonaws.com/'],
    });
  });

  it.each([
    [
      'an unknown action',
      '{"statements":[{"principals":["*"],"clusters":["*"],"namespaces":["*"],"actions":["delete"]}]}',
      'statements.0.actions.0',
    ],
    [
      'no principals',
      '{"statements":[{"principals":[],"clusters":["*"],"namespaces":["*"],"actions":["read"]}]}',
      'statements.0.principals',
    ],
    [
      'a missing namespaces',
      '{"statements":[{"principals":["*"],"clusters":["*"],"actions":["read"]}]}',
      'statements.0.namespaces',
    ],
    [
      'an unknown field',
      '{"statements":[{"principals":["*"],"clusters":["*"],"namespaces":["*"],"actions":["read"],"effect":"Deny"}]}',
      'statements.0.effect',
    ],
    [
      'a pod field with an index',
      '{"statements":[{"principals":["*"],"clusters":["*"],"namespaces":["*"],"actions":["read"],"allowPodFields":["spec.containers.0"]}]}',
      'statements.0.allowPodFields.0',
    ],
    ['no statements list', 'statement: []', 'statements'],
  ])('refuses %s, naming %s', (_name, text, field) => {
    // Act
    const attempt = () => parseAccessPolicy(text, 'p.yaml');
    // Assess
    expect(attempt).toThrow(
      expect.objectContaining({ details: expect.arrayContaining([expect.objectContaining({ field })]) }),
    );
  });

  it('refuses text that is not YAML', () => {
    expect(() => parseAccessPolicy('statements: [', 'p.yaml')).toThrow(/not valid YAML/);
  });
});

describe('parseAccessPolicy: dangerous statements are refused at load, naming sid and field', () => {
  const statement = (extra: string) =>
    `statements:\n  - sid: wide\n    clusters: ["*"]\n    namespaces: [team-a]\n    actions: [read]\n${extra}`;
  const refusal = (text: string) => {
    try {
      parseAccessPolicy(text, 'p.yaml');
    } catch (error) {
      return error as { details: { field: string; reason: string }[] };
    }
    throw new Error('accepted');
  };

  it.each([
    ['principal *', '    principals: ["*"]\n', 'statements.0.principals.0'],
    ['a wildcard account', '    principals: ["arn:aws:iam::*:role/dev"]\n', 'statements.0.principals.0'],
    ['a partial account', '    principals: ["arn:aws:iam::1234*:role/dev"]\n', 'statements.0.principals.0'],
    ['any partition', '    principals: ["arn:*:iam::123456789012:role/dev"]\n', 'statements.0.principals.0'],
    [
      'a registry prefix that is not host/',
      '    principals: ["arn:aws:iam::123456789012:role/dev"]\n    imageRegistries: ["acme"]\n',
      'statements.0.imageRegistries.0',
    ],
    [
      'a cap that is not a quantity',
      '    principals: ["arn:aws:iam::123456789012:role/dev"]\n    maxResources: {cpu: lots}\n',
      'statements.0.maxResources.cpu',
    ],
  ])('%s', (_name, extra, field) => {
    // Act
    const error = refusal(statement(extra));
    // Assess
    expect(error.details).toContainEqual({ field, reason: expect.stringMatching(/^statement wide: /) });
  });

  it('names a statement without a sid by its position', () => {
    const error = refusal(
      'statements:\n  - {principals: ["*"], clusters: ["*"], namespaces: ["*"], actions: [read]}\n',
    );
    expect(error.details).toEqual([
      { field: 'statements.0.principals.0', reason: expect.stringMatching(/^statement #0 \(no sid\): \* reaches/) },
    ]);
  });

  it('allowAnyPrincipal: true lets a statement name any principal, and an account-wide pattern needs no flag', () => {
    expect(() =>
      parseAccessPolicy(statement('    principals: ["*"]\n    allowAnyPrincipal: true\n'), 'p'),
    ).not.toThrow();
    expect(() => parseAccessPolicy(statement('    principals: ["arn:aws:iam::123456789012:*"]\n'), 'p')).not.toThrow();
  });

  it('reads the patch bounds of a statement', () => {
    const policy = parseAccessPolicy(
      statement(
        '    principals: ["arn:aws:iam::123456789012:role/dev"]\n    requireDigest: true\n' +
          '    allowAnnotations: ["prometheus.io/*"]\n    allowLabels: [tier]\n    allowSecretRefs: ["web-*"]\n' +
          '    allowConfigMapRefs: ["*"]\n    maxResources: {cpu: "2", nvidia.com/gpu: "1"}\n',
      ),
      'p',
    );
    expect(policy.statements[0]).toMatchObject({
      requireDigest: true,
      allowAnnotations: ['prometheus.io/*'],
      allowLabels: ['tier'],
      allowSecretRefs: ['web-*'],
      allowConfigMapRefs: ['*'],
      maxResources: { cpu: '2', 'nvidia.com/gpu': '1' },
    });
  });
});

describe('protected namespaces', () => {
  const everywhere: AccessPolicy = {
    statements: [{ principals: ['*'], clusters: ['*'], namespaces: ['*'], actions: ['rollout'] }],
  };

  it.each(['kube-system', 'eksflow-system', 'istio-system', 'karpenter', 'amazon-cloudwatch', 'cert-manager'])(
    '%s is not reached by *, only by its exact name',
    (namespace) => {
      const named: AccessPolicy = {
        statements: [{ principals: ['*'], clusters: ['*'], namespaces: [namespace], actions: ['rollout'] }],
      };
      expect(decide(everywhere, 'arn:x', 'rollout', { cluster: 'c', namespace }).allowed).toBe(false);
      expect(decide(named, 'arn:x', 'rollout', { cluster: 'c', namespace }).allowed).toBe(true);
    },
  );

  it("a policy's protectedNamespaces adds to the built-in list", () => {
    // Prepare
    const policy = parseAccessPolicy(
      'protectedNamespaces: [payments]\nstatements:\n  - principals: ["arn:aws:iam::123456789012:role/dev"]\n' +
        '    clusters: ["*"]\n    namespaces: ["*"]\n    actions: [read]\n',
      'p',
    );
    const dev = 'arn:aws:iam::123456789012:role/dev';
    // Act / Assess
    expect(decide(policy, dev, 'read', { cluster: 'c', namespace: 'payments' })).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('payments is protected'),
    });
    expect(decide(policy, dev, 'read', { cluster: 'c', namespace: 'kube-system' }).allowed).toBe(false);
    expect(decide(policy, dev, 'read', { cluster: 'c', namespace: 'team-a' }).allowed).toBe(true);
  });

  it('refuses a protected namespace that is a pattern', () => {
    expect(() => parseAccessPolicy('protectedNamespaces: ["pay*"]\nstatements: []\n', 'p')).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: 'protectedNamespaces.0' })] }),
    );
  });
});
