import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAccessPolicy, loadAccessPolicyFile } from '../../../../../core/adapters/fs/access-policy-file';
import { DEFAULT_ACCESS_POLICY_FILE } from '../../../../../core/config';
import { isEksflowError } from '../../../../../core/kernel/errors';

const fileWith = (text: string) => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.yaml');
  writeFileSync(file, text);
  return file;
};

describe('loadAccessPolicyFile', () => {
  it('loads the bundled sandbox policy', () => {
    // Act
    const policy = loadAccessPolicyFile(DEFAULT_ACCESS_POLICY_FILE);
    // Assess
    expect(policy.statements.map((s) => s.sid)).toEqual(['sandbox-admin', 'team-developers']);
  });

  it('a missing file is a plain error naming the path (a 500, not the caller’s fault)', () => {
    // Act
    const attempt = () => loadAccessPolicyFile('/nonexistent/policy.yaml');
    // Assess
    expect(attempt).toThrow('/nonexistent/policy.yaml cannot be read');
  });

  it('an invalid policy is a plain error naming the bad field, never a 400', () => {
    // Prepare
    const file = fileWith(
      'statements:\n  - principals: ["*"]\n    clusters: ["*"]\n    namespaces: ["*"]\n    actions: [delete]\n',
    );
    // Act
    let error: unknown;
    try {
      loadAccessPolicyFile(file);
    } catch (e) {
      error = e;
    }
    // Assess
    expect(isEksflowError(error)).toBe(false);
    expect((error as Error).message).toMatch(/access policy is invalid: .*statements\.0\.actions\.0/);
  });
});

describe('loadAccessPolicy: the deployed policy, written when packaging (deploy/access-policy.cjs)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { accessPolicy } = require('../../../../../deploy/access-policy.cjs') as {
    accessPolicy: (env: Record<string, string | undefined>) => string;
  };

  it('allows the admin principals named by EKSFLOW_ADMIN_PRINCIPAL_ARNS everything, and reads no file', () => {
    // Prepare
    const text = accessPolicy({
      EKSFLOW_ADMIN_PRINCIPAL_ARNS: 'arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:user/b',
    });

    // Act
    const policy = loadAccessPolicy({ accessPolicyText: text, accessPolicyFile: '/nonexistent/policy.yaml' });

    // Assess
    expect(policy.statements).toHaveLength(1);
    expect(policy.statements[0]).toMatchObject({
      principals: ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:user/b'],
      clusters: ['*'],
      namespaces: ['*'],
    });
  });

  it('with no admin named, allows nobody (never the sandbox principals)', () => {
    // Act
    const policy = loadAccessPolicy({
      accessPolicyText: accessPolicy({}),
      accessPolicyFile: DEFAULT_ACCESS_POLICY_FILE,
    });

    // Assess
    expect(policy.statements).toEqual([]);
  });

  it('without a packaged policy, reads the file (the sandbox)', () => {
    // Act
    const policy = loadAccessPolicy({ accessPolicyFile: DEFAULT_ACCESS_POLICY_FILE });

    // Assess
    expect(policy.statements.map((s) => s.sid)).toEqual(['sandbox-admin', 'team-developers']);
  });
});
