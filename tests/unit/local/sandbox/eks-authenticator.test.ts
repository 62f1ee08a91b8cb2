import { presignEksToken, TOKEN_LIFETIME_MS } from '../../../../core/adapters/aws/eks-token';
import { covers } from '../../../../local/sandbox/eks-authenticator';
import {
  arnFromCallerIdentity,
  callerOf,
  checkEksToken,
  TokenRefused,
  usernameOf,
} from '../../../../local/sandbox/eks-authenticator-token';

const awsEndpoint = 'http://127.0.0.1:4566';
const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' };
const signedAt = new Date('2026-01-02T03:04:05Z');
const tokenFor = async (options: { endpoint?: string; expiresInSeconds?: number } = {}) =>
  (await presignEksToken('prod', 'us-east-1', credentials, signedAt, { endpoint: awsEndpoint, ...options })).token;
const encode = (url: string) => `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TokenRefused) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('checkEksToken: what aws-iam-authenticator checks before it asks STS', () => {
  it('accepts a token eksflow makes for the sandbox endpoint, and names its access key', async () => {
    // Act
    const checked = checkEksToken(await tokenFor(), { awsEndpoint, now: signedAt });

    // Assess
    expect(checked.url.origin).toBe(awsEndpoint);
    expect(checked.accessKeyId).toBe('ASIAEXAMPLE');
  });

  it('accepts a token made for another loopback address in front of the endpoint (a fault proxy), as it was signed', async () => {
    // Act
    const checked = checkEksToken(await tokenFor({ endpoint: 'http://127.0.0.1:39999' }), {
      awsEndpoint,
      now: signedAt,
    });

    // Assess: the URL keeps the host its signature covers; the authenticator sends it to the endpoint with that Host
    expect(checked.url.host).toBe('127.0.0.1:39999');
  });

  it.each([
    ['another endpoint', { endpoint: 'https://sts.us-east-1.amazonaws.com' }, /not the AWS endpoint/],
    ['X-Amz-Expires above 60 s', { expiresInSeconds: 61 }, /X-Amz-Expires/],
  ])('refuses a token for %s', async (_what, options, reason) => {
    // Prepare
    const token = await tokenFor(options);

    // Act
    const answer = refusal(() => checkEksToken(token, { awsEndpoint, now: signedAt }));

    // Assess
    expect(answer).toMatch(reason);
  });

  it('keeps a token good for 15 minutes from X-Amz-Date, then refuses it', async () => {
    // Prepare
    const token = await tokenFor();
    const at = (ms: number) => new Date(signedAt.getTime() + ms);

    // Act
    const justBefore = refusal(() => checkEksToken(token, { awsEndpoint, now: at(TOKEN_LIFETIME_MS) }));
    const after = refusal(() => checkEksToken(token, { awsEndpoint, now: at(TOKEN_LIFETIME_MS + 1000) }));
    const early = refusal(() => checkEksToken(token, { awsEndpoint, now: at(-10 * 60 * 1000) }));

    // Assess
    expect(justBefore).toBe('accepted');
    expect(after).toMatch(/expired/);
    expect(early).toMatch(/future/);
  });

  it.each([
    ['no prefix', 'abc', /does not start/],
    ['not base64url', 'k8s-aws-v1.a+b/c=', /base64url/],
    ['another action', encode(`${awsEndpoint}/?Action=AssumeRole`), /GetCallerIdentity/],
    ['an unknown parameter', encode(`${awsEndpoint}/?Action=GetCallerIdentity&Redirect=https://evil`), /may not have/],
    [
      'no signed cluster header',
      encode(
        `${awsEndpoint}/?Action=GetCallerIdentity&X-Amz-Credential=AK/20260102/us-east-1/sts/aws4_request&X-Amz-SignedHeaders=host`,
      ),
      /x-k8s-aws-id/,
    ],
    ['another path', encode(`${awsEndpoint}/other?Action=GetCallerIdentity`), /path/],
  ])('refuses %s', (_what, token, reason) => {
    // Act
    const answer = refusal(() => checkEksToken(token, { awsEndpoint, now: signedAt }));

    // Assess
    expect(answer).toMatch(reason);
  });
});

describe('callerOf, usernameOf: the principal and the username EKS derives', () => {
  it('maps an assumed-role session to its role, reading the account from the ARN', () => {
    // Act
    const caller = callerOf('arn:aws:sts::111122223333:assumed-role/deployer/ci@example.com');

    // Assess
    expect(caller).toEqual({
      arn: 'arn:aws:sts::111122223333:assumed-role/deployer/ci@example.com',
      principalArn: 'arn:aws:iam::111122223333:role/deployer',
      accountId: '111122223333',
      sessionName: 'ci@example.com',
    });
    expect(usernameOf('arn:aws:sts::{{AccountID}}:assumed-role/deployer/{{SessionName}}', caller, 'ASIA1')).toBe(
      'arn:aws:sts::111122223333:assumed-role/deployer/ci-example.com',
    );
    expect(usernameOf('{{SessionNameRaw}}:{{AccessKeyID}}', caller, 'ASIA1')).toBe('ci@example.com:ASIA1');
  });

  it('keeps a user as itself and refuses other callers', () => {
    // Act
    const user = callerOf('arn:aws:iam::111122223333:user/alice');
    const federated = refusal(() => callerOf('arn:aws:sts::111122223333:federated-user/bob'));

    // Assess
    expect(user.principalArn).toBe('arn:aws:iam::111122223333:user/alice');
    expect(federated).toMatch(/neither/);
  });

  it('reads the ARN from STS answers in XML and JSON', () => {
    // Act
    const fromXml = arnFromCallerIdentity(
      '<GetCallerIdentityResult><Arn>arn:aws:iam::1:user/a</Arn></GetCallerIdentityResult>',
    );
    const fromJson = arnFromCallerIdentity(
      JSON.stringify({ GetCallerIdentityResponse: { GetCallerIdentityResult: { Arn: 'arn:aws:iam::1:user/b' } } }),
    );

    // Assess
    expect([fromXml, fromJson]).toEqual(['arn:aws:iam::1:user/a', 'arn:aws:iam::1:user/b']);
  });
});

describe('covers: an access policy association in scope of a request', () => {
  const request = (namespace?: string) => ({ resourceAttributes: { namespace, verb: 'get', resource: 'pods' } });

  it('covers every request with a cluster scope, and only its namespaces with a namespace scope', () => {
    // Prepare
    const cluster = { accessScope: { type: 'cluster' as const } };
    const teams = { accessScope: { type: 'namespace' as const, namespaces: ['team-a', 'dev-*'] } };

    // Act
    const answers = [
      covers(cluster, request()),
      covers(teams, request('team-a')),
      covers(teams, request('dev-x')),
      covers(teams, request('team-b')),
      covers(teams, request()),
    ];

    // Assess
    expect(answers).toEqual([true, true, true, false, false]);
  });
});
