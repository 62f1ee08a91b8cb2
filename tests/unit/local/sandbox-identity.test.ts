import type http from 'node:http';
import { SANDBOX_ADMIN_ARN, sandboxPrincipalOf, TEST_PRINCIPAL_HEADER } from '../../../local/sandbox-identity';

const request = (headers: Record<string, string> = {}) => ({ headers }) as unknown as http.IncomingMessage;
const OTHER = 'arn:aws:iam::000000000000:role/team-developer';

describe('sandboxPrincipalOf', () => {
  it('acts as the admin by default', () => {
    expect(sandboxPrincipalOf({})(request())).toBe(SANDBOX_ADMIN_ARN);
  });

  it('acts as the configured principal', () => {
    expect(sandboxPrincipalOf({ sandboxPrincipal: OTHER })(request())).toBe(OTHER);
  });

  it('ignores the test header unless the runtime was started with principalHeader', () => {
    expect(sandboxPrincipalOf({})(request({ [TEST_PRINCIPAL_HEADER]: OTHER }))).toBe(SANDBOX_ADMIN_ARN);
    expect(sandboxPrincipalOf({ principalHeader: true })(request({ [TEST_PRINCIPAL_HEADER]: OTHER }))).toBe(OTHER);
  });
});
