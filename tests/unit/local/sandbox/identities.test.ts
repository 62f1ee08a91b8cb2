import { SANDBOX_ADMIN, SANDBOX_RESTRICTED, sandboxAuthEnabled } from '../../../../local/sandbox/identities';

describe('sandbox identities', () => {
  it('are two different principals with different keys', () => {
    // Assess
    expect(SANDBOX_ADMIN.accessKeyId).not.toBe(SANDBOX_RESTRICTED.accessKeyId);
    expect(SANDBOX_ADMIN.principalArn).not.toBe(SANDBOX_RESTRICTED.principalArn);
  });
});

describe('sandboxAuthEnabled (EKSFLOW_SANDBOX_AUTH)', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ['', true],
    ['on', true],
    ['off', false],
    [' OFF ', false],
  ])('%p → %p', (value, enabled) => {
    // Act / Assess
    expect(sandboxAuthEnabled({ EKSFLOW_SANDBOX_AUTH: value })).toBe(enabled);
  });

  it('refuses any other value rather than guess (a typo must not open the API)', () => {
    // Act / Assess
    expect(() => sandboxAuthEnabled({ EKSFLOW_SANDBOX_AUTH: 'false' })).toThrow(/must be "on" or "off"/);
  });
});
