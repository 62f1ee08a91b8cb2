import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  DescribeClusterCommand,
  EKSClient,
  ListClustersCommand,
  ListFargateProfilesCommand,
} from '@aws-sdk/client-eks';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { presignEksToken } from '../../core/adapters/aws/eks-token';
import { SANDBOX_ADMIN } from '../../local/sandbox/identities';
import {
  type FunctionIdentity,
  functionIdentities,
  postToGate,
  registerWithGate,
} from '../../tools/aws-gate/function-identities';
import { AUTHORIZE_PATH } from '../../tools/aws-gate/invocations';
import { defined } from '../helpers/defined';
import { awsClientConfig, gateClientConfig, testStack, uniqueName } from '../helpers/stack';

/** The error a call failed with (it must fail). */
async function failure(call: Promise<unknown>): Promise<any> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

/** Issue 15, part 1: the sandbox's AWS endpoint authenticates, authorizes and throttles as AWS does. */
describe('the AWS gate', () => {
  const region = () => testStack().region;
  const gate = () => testStack().awsEndpoint;
  const as = (identity: { accessKeyId: string; secretAccessKey: string }) => ({
    region: region(),
    endpoint: gate(),
    credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey },
    maxAttempts: 1,
  });
  const ROLE = 'eksflow-dev-us-east-1-gateTest';
  let caller: FunctionIdentity;
  const taggedCluster = uniqueName('managed');
  const untaggedCluster = uniqueName('foreign');

  beforeAll(async () => {
    const [identity] = functionIdentities([
      {
        functionName: 'gateTest',
        roleName: ROLE,
        roleArn: `arn:aws:iam::000000000000:role/${ROLE}`,
        policies: [
          {
            name: 'gateTest',
            document: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: 'eks:ListClusters', Resource: '*' },
                {
                  Effect: 'Allow',
                  Action: 'eks:DescribeCluster',
                  Resource: 'arn:aws:eks:us-east-1:000000000000:cluster/*',
                  Condition: { StringEquals: { 'aws:ResourceTag/eksflow:managed': 'true' } },
                },
                { Effect: 'Allow', Action: 'eks:CreateCluster', Resource: '*' },
                { Effect: 'Allow', Action: 'eks:ListFargateProfiles', Resource: '*' },
              ],
            },
          },
        ],
      },
    ]).values();
    caller = defined(identity, 'the gateTest identity');
    await registerWithGate(gate(), region(), SANDBOX_ADMIN, [caller]);
    // Made directly on the emulator, as clusters that exist in the account.
    const eks = new EKSClient(awsClientConfig());
    for (const [name, tags] of [
      [taggedCluster, { 'eksflow:managed': 'true' }],
      [untaggedCluster, {}],
    ] as const)
      await eks.send(
        new CreateClusterCommand({
          name,
          roleArn: 'arn:aws:iam::000000000000:role/eks',
          resourcesVpcConfig: { subnetIds: [] },
          tags,
        }),
      );
  });

  it('answers GetCallerIdentity with the admin user and a function role session', async () => {
    // Act
    const admin = await new STSClient(gateClientConfig()).send(new GetCallerIdentityCommand({}));
    const fn = await new STSClient(as(caller)).send(new GetCallerIdentityCommand({}));

    // Assess
    expect(admin.Arn).toBe('arn:aws:iam::000000000000:user/eksflow-admin');
    expect(fn.Arn).toBe(`arn:aws:sts::000000000000:assumed-role/${ROLE}/gateTest`);
    expect(fn.Account).toBe('000000000000');
  });

  it('answers the presigned GetCallerIdentity of an EKS token (x-k8s-aws-id signed), in JSON or XML', async () => {
    // Prepare: the token's URL names STS's host; the authenticator sends it to the sandbox's endpoint.
    const { token } = await presignEksToken('sandbox', region(), caller, new Date());
    const presigned = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    const url = `${gate()}/?${presigned.searchParams}`;

    // Act
    const json = await fetch(url, { headers: { 'x-k8s-aws-id': 'sandbox', accept: 'application/json' } });
    const xml = await fetch(url, { headers: { 'x-k8s-aws-id': 'sandbox' } });
    const otherCluster = await fetch(url, { headers: { 'x-k8s-aws-id': 'other', accept: 'application/json' } });

    // Assess
    expect(json.status).toBe(200);
    expect((await json.json()).GetCallerIdentityResponse.GetCallerIdentityResult.Arn).toBe(caller.principalArn);
    expect(await xml.text()).toContain(`<Arn>${caller.principalArn}</Arn>`);
    expect(otherCluster.status).toBe(403);
    expect(await otherCluster.text()).toContain('SignatureDoesNotMatch');
  });

  it('refuses an unknown key and a wrong secret in the protocol of the service called', async () => {
    // Act
    const unknownEks = new EKSClient(as({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' })).send(
      new ListClustersCommand({}),
    );
    const unknownSts = new STSClient(as({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' })).send(
      new GetCallerIdentityCommand({}),
    );
    const wrongSecret = new DynamoDBClient(as({ accessKeyId: caller.accessKeyId, secretAccessKey: 'wrong' })).send(
      new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } }),
    );

    // Assess
    await expect(unknownEks).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    await expect(unknownSts).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    await expect(wrongSecret).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('denies what the policies do not allow with AWS AccessDenied, naming the action and resource', async () => {
    // Act
    const getItem = await failure(
      new DynamoDBClient(as(caller)).send(new GetItemCommand({ TableName: 'eksflow-dev', Key: { pk: { S: 'x' } } })),
    );
    const alarms = await failure(new CloudWatchClient(as(caller)).send(new DescribeAlarmsCommand({})));

    // Assess
    expect(getItem).toMatchObject({
      name: 'AccessDeniedException',
      message: `User: ${caller.principalArn} is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/eksflow-dev because no identity-based policy allows the dynamodb:GetItem action`,
    });
    // CloudWatch is JSON with awsQueryCompatible: the SDK names the query protocol's code.
    expect(alarms).toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('cloudwatch:DescribeAlarms on resource: *'),
    });
  });

  it('reads aws:ResourceTag from the emulator: the managed cluster is described, the other refused', async () => {
    // Act
    const eks = new EKSClient(as(caller));
    const managed = await eks.send(new DescribeClusterCommand({ name: taggedCluster }));
    const foreign = eks.send(new DescribeClusterCommand({ name: untaggedCluster }));

    // Assess
    expect(managed.cluster?.name).toBe(taggedCluster);
    await expect(foreign).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining(
        `eks:DescribeCluster on resource: arn:aws:eks:us-east-1:000000000000:cluster/${untaggedCluster}`,
      ),
    });
  });

  it('checks iam:PassRole with iam:PassedToService beside CreateCluster', async () => {
    // Act
    const create = new EKSClient(as(caller)).send(
      new CreateClusterCommand({
        name: uniqueName('passrole'),
        roleArn: 'arn:aws:iam::000000000000:role/eks-cluster',
        resourcesVpcConfig: { subnetIds: [] },
      }),
    );

    // Assess
    await expect(create).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('iam:PassRole on resource: arn:aws:iam::000000000000:role/eks-cluster'),
    });
  });

  it("decides a service's invocation for an admin only, and logs the refusal like any other", async () => {
    // Prepare
    const request = {
      principal: 'events.amazonaws.com',
      policies: [],
      authorization: {
        action: 'lambda:InvokeFunction',
        resource: 'arn:aws:lambda:us-east-1:000000000000:function:eksflow-dev-nobody',
        context: { 'aws:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/nobody' },
      },
    };

    // Act
    const asCaller = await postToGate(gate(), region(), caller, AUTHORIZE_PATH, request);
    const asAdmin = await postToGate(gate(), region(), SANDBOX_ADMIN, AUTHORIZE_PATH, request);

    // Assess
    expect(asCaller.status).toBe(403);
    expect(asAdmin.status).toBe(200);
    expect(await asAdmin.json()).toMatchObject({
      allowed: false,
      action: 'lambda:InvokeFunction',
      message: expect.stringContaining('because no resource-based policy allows the lambda:InvokeFunction action'),
    });
    const log = readFileSync(path.join(path.dirname(String(testStack().kubeconfig)), 'aws-gate.log'), 'utf8');
    expect(log).toContain('function:eksflow-dev-nobody because no resource-based policy allows');
  });

  it('refuses an operation its catalogue does not map (fail closed), even when a policy allows it', async () => {
    // Act
    const unmapped = new EKSClient(as(caller)).send(new ListFargateProfilesCommand({ clusterName: taggedCluster }));

    // Assess
    await expect(unmapped).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('eks:unknown'),
    });
  });

  it('throttles DescribeAlarms beyond its quota with Throttling, HTTP 400 (admin keys of .sandbox/env)', async () => {
    // Prepare
    const cloudwatch = new CloudWatchClient({ ...gateClientConfig(), maxAttempts: 1 });

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => cloudwatch.send(new DescribeAlarmsCommand({}))),
    );

    // Assess
    const throttled = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(throttled.length).toBeGreaterThan(0);
    for (const error of throttled) {
      expect(error.name).toMatch(/^Throttling(Exception)?$/);
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
  });
});
