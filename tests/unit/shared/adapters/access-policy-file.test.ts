import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAccessPolicyFile } from '../../../../shared/adapters/access-policy-file';
import { DEFAULT_ACCESS_POLICY_FILE } from '../../../../shared/config';
import { isEksflowError } from '../../../../shared/errors';

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
