import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { presignEksToken } from '../../../../core/adapters/aws/eks-token';
import { isRetryableError } from '../../../../core/kernel/retry';
import { sigV4Verifier } from '../../../../local/sigv4-verifier';
import { type EmulatorLookups, SERVICES } from '../../../../tools/aws-gate/catalogue';
import { denialMessage, evaluate } from '../../../../tools/aws-gate/evaluate';
import {
  authorizeHere,
  invokeAuthorization,
  ruleInvocations,
  schedulerInvocations,
  stateMachineInvocations,
} from '../../../../tools/aws-gate/invocations';
import {
  type CfnTemplate,
  eventRules,
  functionResourcePolicies,
  functionRoles,
  packagedKubeAccess,
  rolesByArn,
  type StateMachineRole,
} from '../../../../tools/aws-gate/packaged-roles';
import { errorAnswer, recognise } from '../../../../tools/aws-gate/protocol';
import { TokenBuckets } from '../../../../tools/aws-gate/quotas';
import { defined } from '../../../helpers/defined';

const KEYS = {
  accessKeyId: 'ASIAUNITTEST',
  secretAccessKey: 'secret',
  principalArn: 'arn:aws:sts::000000000000:assumed-role/r/f',
};
const NO_LOOKUPS: EmulatorLookups = {
  nodegroupArn: async () => undefined,
  addonArn: async () => undefined,
  accessEntryArn: async () => undefined,
};
/** What a recognised request asks IAM for, in the sandbox's region and account, with nothing to look up. */
const authorizeInSandbox = (r: ReturnType<typeof recognise>) =>
  r.entry?.authorize({
    input: r.input,
    path: r.path,
    region: 'us-east-1',
    account: '000000000000',
    lookups: NO_LOOKUPS,
  });
const request = (over: Partial<Parameters<typeof recognise>[1]>) => ({
  method: 'POST',
  path: '/',
  query: new URLSearchParams(),
  headers: {},
  body: Buffer.alloc(0),
  ...over,
});

describe('the AWS gate: recognising operations', () => {
  it('reads a rest-json EKS operation from method and path, with decoded labels', async () => {
    // Act
    const r = recognise(
      defined(SERVICES.eks, 'SERVICES.eks'),
      request({ method: 'GET', path: '/clusters/c1/access-entries/arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fdev' }),
    );
    const authorizations = await authorizeInSandbox(r);

    // Assess
    expect(r.operation).toBe('DescribeAccessEntry');
    expect(r.path).toEqual({ clusterName: 'c1', principalArn: 'arn:aws:iam::000000000000:role/dev' });
    expect(authorizations).toEqual([
      {
        action: 'eks:DescribeAccessEntry',
        resource:
          'arn:aws:eks:us-east-1:000000000000:access-entry/c1/role/000000000000/dev/00000000-0000-0000-0000-000000000000',
      },
    ]);
  });

  it('authorizes DescribeUpdate on the cluster, also for a node group update', async () => {
    // Act
    const r = recognise(
      defined(SERVICES.eks, 'SERVICES.eks'),
      request({ method: 'GET', path: '/clusters/c1/updates/u1', query: new URLSearchParams('nodegroupName=ng') }),
    );
    const authorizations = await authorizeInSandbox(r);

    // Assess
    expect(authorizations).toEqual([
      { action: 'eks:DescribeUpdate', resource: 'arn:aws:eks:us-east-1:000000000000:cluster/c1' },
    ]);
  });

  it('splits a TransactWriteItems into the actions of its items (it is no IAM action itself)', async () => {
    // Prepare
    const body = Buffer.from(
      JSON.stringify({
        TransactItems: [
          { Put: { TableName: 't' } },
          { Update: { TableName: 't' } },
          { ConditionCheck: { TableName: 't' } },
        ],
      }),
    );

    // Act
    const r = recognise(
      defined(SERVICES.dynamodb, 'SERVICES.dynamodb'),
      request({ headers: { 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems' }, body }),
    );
    const authorizations = await authorizeInSandbox(r);

    // Assess
    expect(authorizations?.map((a) => a.action)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ]);
  });

  it('reads a query-protocol Action from the form body, lists as arrays', () => {
    // Act
    const r = recognise(
      defined(SERVICES.monitoring, 'SERVICES.monitoring'),
      request({
        body: Buffer.from('Action=DeleteAlarms&AlarmNames.member.1=a&AlarmNames.member.2=b'),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );

    // Assess
    expect(r.operation).toBe('DeleteAlarms');
    expect(r.input.AlarmNames).toEqual(['a', 'b']);
  });

  it('finds no operation for a path it does not map (the gate then refuses it)', () => {
    expect(
      recognise(
        defined(SERVICES.eks, 'SERVICES.eks'),
        request({ method: 'GET', path: '/clusters/c1/fargate-profiles' }),
      ).entry,
    ).toBeUndefined();
  });
});

describe('the AWS gate: answers in each protocol', () => {
  it('AccessDenied: JSON __type 400, rest-json 403 x-amzn-ErrorType, query XML 403, CloudWatch with the query code', () => {
    const json = errorAnswer('AccessDenied', 'm', 'json-1.0', { queryCompatible: true });
    const rest = errorAnswer('AccessDenied', 'm', 'rest-json');
    const query = errorAnswer('AccessDenied', 'm', 'query');

    expect([json.status, JSON.parse(json.body).__type, json.headers['x-amzn-query-error']]).toEqual([
      400,
      'AccessDeniedException',
      'AccessDenied;Sender',
    ]);
    expect([rest.status, rest.headers['x-amzn-errortype']]).toEqual([403, 'AccessDeniedException']);
    expect([query.status, query.body]).toEqual([403, expect.stringContaining('<Code>AccessDenied</Code>')]);
  });

  it('Throttling: HTTP 400, ThrottlingException or Throttling', () => {
    expect(JSON.parse(errorAnswer('Throttling', 'Rate exceeded', 'json-1.1').body).__type).toBe('ThrottlingException');
    expect(errorAnswer('Throttling', 'Rate exceeded', 'query')).toMatchObject({
      status: 400,
      body: expect.stringContaining('<Code>Throttling</Code>'),
    });
  });

  it('an AccessDeniedException is not retried by eksflow', () => {
    expect(isRetryableError({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isRetryableError({ name: 'AccessDenied', $metadata: { httpStatusCode: 400 } })).toBe(false);
  });
});

describe('the AWS gate: IAM evaluation', () => {
  const policy = (statement: object) => [{ name: 'p', document: { Version: '2012-10-17', Statement: [statement] } }];

  it('allows on a matching resource, denies elsewhere with AWS words', async () => {
    // Prepare
    const policies = policy({
      Effect: 'Allow',
      Action: 'eks:DescribeUpdate',
      Resource: 'arn:aws:eks:us-east-1:000000000000:nodegroup/*/*/*',
    });

    // Act
    const onCluster = await evaluate(
      KEYS.principalArn,
      policies,
      { action: 'eks:DescribeUpdate', resource: 'arn:aws:eks:us-east-1:000000000000:cluster/c' },
      {},
    );

    // Assess
    expect(onCluster).toEqual({
      allowed: false,
      explicit: false,
      action: 'eks:DescribeUpdate',
      resource: 'arn:aws:eks:us-east-1:000000000000:cluster/c',
      message: denialMessage(
        KEYS.principalArn,
        'eks:DescribeUpdate',
        'arn:aws:eks:us-east-1:000000000000:cluster/c',
        false,
      ),
    });
    expect(onCluster.allowed || onCluster.message).toBe(
      `User: ${KEYS.principalArn} is not authorized to perform: eks:DescribeUpdate on resource: arn:aws:eks:us-east-1:000000000000:cluster/c because no identity-based policy allows the eks:DescribeUpdate action`,
    );
  });

  it('evaluates conditions on resource tags, request tags and service keys', async () => {
    // Prepare
    const tagged = policy({
      Effect: 'Allow',
      Action: 'eks:TagResource',
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:ResourceTag/eksflow:managed': 'true' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eksflow:managed'] },
      },
    });
    const tagResource = (keys: string[]) => ({
      action: 'eks:TagResource',
      resource: 'arn:aws:eks:us-east-1:000000000000:cluster/c',
      context: { 'aws:TagKeys': keys },
    });
    const associate = policy({
      Effect: 'Allow',
      Action: 'eks:AssociateAccessPolicy',
      Resource: '*',
      Condition: { StringEquals: { 'eks:policyArn': 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy' } },
    });
    const entry = 'arn:aws:eks:us-east-1:000000000000:access-entry/c/role/000000000000/x/u';

    // Act
    const managed = await evaluate(KEYS.principalArn, tagged, tagResource(['eksflow:managed']), {
      'eksflow:managed': 'true',
    });
    const foreign = await evaluate(KEYS.principalArn, tagged, tagResource(['eksflow:managed']), {});
    const otherKey = await evaluate(KEYS.principalArn, tagged, tagResource(['owner']), { 'eksflow:managed': 'true' });
    const associatePolicy = (name: string) =>
      evaluate(
        KEYS.principalArn,
        associate,
        {
          action: 'eks:AssociateAccessPolicy',
          resource: entry,
          context: { 'eks:policyArn': `arn:aws:eks::aws:cluster-access-policy/${name}` },
        },
        {},
      );
    const view = await associatePolicy('AmazonEKSViewPolicy');
    const admin = await associatePolicy('AmazonEKSClusterAdminPolicy');

    // Assess
    expect([managed.allowed, foreign.allowed, otherKey.allowed, view.allowed, admin.allowed]).toEqual([
      true,
      false,
      false,
      true,
      false,
    ]);
  });
});

describe('the AWS gate: quotas', () => {
  it('takes the burst at once, then refills at the rate', () => {
    // Prepare
    let now = 0;
    const buckets = new TokenBuckets(() => now);
    const quota = { rate: 9, burst: 9, source: 'test' };

    // Act
    const burst = Array.from({ length: 10 }, () => buckets.take('k', quota));
    now += 1000 / 9;
    const refilled = buckets.take('k', quota);
    const emptyAgain = buckets.take('k', quota);

    // Assess
    expect(burst.filter(Boolean)).toHaveLength(9);
    expect([refilled, emptyAgain]).toEqual([true, false]);
  });
});

describe('the AWS gate: packaged roles', () => {
  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub for the sandbox account, with the runtime table', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        EksflowTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'eksflow-dev' } },
        ScaleCheckRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: 'eksflow-dev-us-east-1-scaleCheck',
            Policies: [
              {
                PolicyName: 'scaleCheck',
                PolicyDocument: {
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: ['dynamodb:Query'],
                      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['EksflowTable', 'Arn'] }, '/index/gsi1']] },
                    },
                    {
                      Effect: 'Allow',
                      Action: ['eks:DescribeUpdate'],
                      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
                      Resource: { 'Fn::Sub': 'arn:aws:eks:${AWS::Region}:${AWS::AccountId}:cluster/*' },
                    },
                  ],
                },
              },
            ],
          },
        },
        // A policy of its own that names the role: IAM evaluates it with the role's inline ones.
        ScaleCheckExtraPolicy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'scale-check-extra',
            Roles: [{ Ref: 'ScaleCheckRole' }],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['eks:DescribeNodegroup'], Resource: '*' }] },
          },
        },
        ScaleCheckLambdaFunction: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            FunctionName: 'eksflow-dev-scaleCheck',
            Role: { 'Fn::GetAtt': ['ScaleCheckRole', 'Arn'] },
            Environment: { Variables: { EKSFLOW_TABLE: { Ref: 'EksflowTable' } } },
          },
        },
      },
    };

    // Act
    const [role] = functionRoles(template, { region: 'us-east-1', tableName: 'eksflow-test-1' });

    // Assess
    expect(role).toMatchObject({
      functionName: 'scaleCheck',
      roleArn: 'arn:aws:iam::000000000000:role/eksflow-dev-us-east-1-scaleCheck',
      environment: { EKSFLOW_TABLE: 'eksflow-test-1' },
    });
    expect(role?.policies[0]?.document.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/eksflow-test-1/index/gsi1',
      },
      { Effect: 'Allow', Action: ['eks:DescribeUpdate'], Resource: 'arn:aws:eks:us-east-1:000000000000:cluster/*' },
    ]);
    expect(role?.policies.map((p) => p.name)).toEqual(['scaleCheck', 'scale-check-extra']);
    expect(role?.policies[1]?.document.Statement).toEqual([
      { Effect: 'Allow', Action: ['eks:DescribeNodegroup'], Resource: '*' },
    ]);
  });
});

describe('SigV4 verification of a presigned URL (EKS token)', () => {
  const verifier = sigV4Verifier({
    region: 'us-east-1',
    identities: [KEYS],
    service: '*',
    presignedStsHosts: ['sts.us-east-1.amazonaws.com'],
  });
  const tokenRequest = async (signedAt: Date, cluster = 'c1') => {
    const { token } = await presignEksToken('c1', 'us-east-1', KEYS, signedAt);
    const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    return {
      method: 'GET',
      path: '/',
      query: url.searchParams,
      headers: { host: '127.0.0.1:1234', 'x-k8s-aws-id': cluster },
      body: Buffer.alloc(0),
    };
  };

  it('takes a token sent to the sandbox endpoint, for 15 minutes, and only for the cluster it names', async () => {
    await expect(verifier(await tokenRequest(new Date()))).resolves.toMatchObject({
      principalArn: KEYS.principalArn,
      service: 'sts',
      presigned: true,
    });
    await expect(verifier(await tokenRequest(new Date(Date.now() - 14 * 60 * 1000)))).resolves.toMatchObject({
      presigned: true,
    });
    await expect(verifier(await tokenRequest(new Date(Date.now() - 16 * 60 * 1000)))).rejects.toThrow(/expired/);
    await expect(verifier(await tokenRequest(new Date(), 'c2'))).rejects.toThrow(/does not match/);
  });
});

describe('the AGPL evaluator stays out of the Lambda bundles', () => {
  it('nothing under functions/ or core/ imports @cloud-copilot/iam-simulate or tools/aws-gate', () => {
    // Prepare
    const root = path.resolve(__dirname, '../../../..');
    const sources = (dir: string): string[] =>
      readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? sources(path.join(dir, entry.name))
          : entry.name.endsWith('.ts')
            ? [path.join(dir, entry.name)]
            : [],
      );

    // Act
    const importers = ['functions', 'core']
      .flatMap(sources)
      .filter((file) =>
        /@cloud-copilot\/iam-simulate|tools\/aws-gate/.test(readFileSync(path.join(root, file), 'utf8')),
      );

    // Assess
    expect(importers).toEqual([]);
  });
});

describe('state machines invoke their tasks as their own role', () => {
  const role = (resources: string[]): StateMachineRole => ({
    workflow: 'scale-nodegroup',
    roleName: 'ScaleNodegroupStateMachineRole',
    roleArn: 'arn:aws:iam::000000000000:role/ScaleNodegroupStateMachineRole',
    policies: [
      {
        name: 'statemachine',
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: resources }],
        },
      },
    ],
  });

  it('lets a granted task run and fails one the role may not invoke as Step Functions reports it', async () => {
    // Prepare
    const mayInvoke = stateMachineInvocations(
      [role(['arn:aws:lambda:us-east-1:000000000000:function:eksflow-dev-scaleApply'])],
      (fn) => `arn:aws:lambda:us-east-1:000000000000:function:eksflow-dev-${fn}`,
      authorizeHere,
    );

    // Act
    const granted = mayInvoke('scale-nodegroup', 'scaleApply');
    const refused = mayInvoke('scale-nodegroup', 'scaleCheck');
    const unknownWorkflow = mayInvoke('rollout', 'scaleApply');

    // Assess
    await expect(granted).resolves.toBeUndefined();
    await expect(refused).rejects.toMatchObject({
      name: 'Lambda.AWSLambdaException',
      message: expect.stringContaining(
        'is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:eksflow-dev-scaleCheck',
      ),
    });
    await expect(unknownWorkflow).rejects.toMatchObject({ name: 'Lambda.AWSLambdaException' });
  });
});

describe('EventBridge rules and Scheduler invoke their targets as AWS authorizes them', () => {
  const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:eksflow-dev-scalingSweep';
  /** A rate rule, its target, the function's permission for it, and Scheduler's role: as `sls package` writes them. */
  const template = (permissionSource: string): CfnTemplate => ({
    Resources: {
      SweepRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'eksflow-dev-us-east-1-scalingSweep' } },
      ScalingSweepLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: { FunctionName: 'eksflow-dev-scalingSweep', Role: { 'Fn::GetAtt': ['SweepRole', 'Arn'] } },
      },
      ScalingSweepEventsRuleSchedule1: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(1 minute)',
          State: 'ENABLED',
          Targets: [{ Arn: { 'Fn::GetAtt': ['ScalingSweepLambdaFunction', 'Arn'] }, Id: 'sweep' }],
        },
      },
      ScalingSweepLambdaPermissionEventsRuleSchedule1: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: { 'Fn::GetAtt': ['ScalingSweepLambdaFunction', 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [permissionSource, 'Arn'] },
        },
      },
      OtherRule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 hour)', Targets: [] } },
      SchedulerInvokeRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'eksflow-dev-us-east-1-scheduler',
          Policies: [
            {
              PolicyName: 'invoke',
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: ['lambda:InvokeFunction'],
                    Resource: { 'Fn::GetAtt': ['ScalingSweepLambdaFunction', 'Arn'] },
                  },
                ],
              },
            },
          ],
        },
      },
    },
  });
  const resolution = { region: 'us-east-1' };

  it('a rule invokes a function only when its permission names that rule', async () => {
    // Prepare
    const granted = template('ScalingSweepEventsRuleSchedule1');
    const otherRule = template('OtherRule');
    const [rule] = eventRules(granted, resolution);

    // Act
    const allowed = await ruleInvocations(functionResourcePolicies(granted, resolution), authorizeHere)(
      defined(rule, 'rule'),
      FUNCTION,
    );
    const refused = await ruleInvocations(functionResourcePolicies(otherRule, resolution), authorizeHere)(
      defined(rule, 'rule'),
      FUNCTION,
    );

    // Assess
    expect(rule).toEqual({
      ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/ScalingSweepEventsRuleSchedule1',
      scheduleExpression: 'rate(1 minute)',
      targets: [{ functionName: 'scalingSweep', functionArn: FUNCTION }],
    });
    expect(allowed).toEqual({ allowed: true });
    expect(refused).toMatchObject({
      allowed: false,
      message: `events.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: ${FUNCTION} because no resource-based policy allows the lambda:InvokeFunction action`,
    });
  });

  it('refuses to start with a rule whose target is no function of the template (fail closed)', () => {
    // Prepare
    const withQueueTarget = template('OtherRule');
    defined(withQueueTarget.Resources.OtherRule, 'withQueueTarget.Resources.OtherRule').Properties.Targets = [
      { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', Id: 'q' },
    ];

    // Act / Assess
    expect(() => eventRules(withQueueTarget, resolution)).toThrow(
      /rule OtherRule targets arn:aws:sqs:.*only to the template's functions/,
    );
  });

  it("Scheduler invokes a target only when the schedule's role allows it", async () => {
    // Prepare
    const asScheduler = schedulerInvocations(rolesByArn(template('OtherRule'), resolution), authorizeHere);
    const role = 'arn:aws:iam::000000000000:role/eksflow-dev-us-east-1-scheduler';
    const other = 'arn:aws:lambda:us-east-1:000000000000:function:eksflow-dev-api';

    // Act
    const allowed = await asScheduler(role, invokeAuthorization(FUNCTION));
    const refused = await asScheduler(role, invokeAuthorization(other));
    const unknownRole = await asScheduler('arn:aws:iam::000000000000:role/elsewhere', invokeAuthorization(FUNCTION));

    // Assess
    expect(allowed).toEqual({ allowed: true });
    expect(refused).toMatchObject({
      allowed: false,
      message: `User: arn:aws:sts::000000000000:assumed-role/eksflow-dev-us-east-1-scheduler/EventBridgeScheduler is not authorized to perform: lambda:InvokeFunction on resource: ${other} because no identity-based policy allows the lambda:InvokeFunction action`,
    });
    expect(unknownRole).toMatchObject({ allowed: false, action: 'lambda:InvokeFunction' });
  });

  it("names the roles with Kubernetes access from the packaged functions' environment", () => {
    // Prepare
    const env = {
      EKSFLOW_BASELINE_PRINCIPAL_ARN: 'arn:aws:iam::000000000000:role/baseline',
      EKSFLOW_ROLLOUT_PRINCIPAL_ARNS: 'arn:aws:iam::000000000000:role/a,arn:aws:iam::000000000000:role/b',
      EKSFLOW_SCALING_PRINCIPAL_ARNS: 'arn:aws:iam::000000000000:role/c',
    };
    const role = { functionName: 'f', functionArn: FUNCTION, roleName: 'r', roleArn: 'x', policies: [] };

    // Act
    const access = packagedKubeAccess([
      { ...role, environment: {} },
      { ...role, environment: env },
    ]);

    // Assess
    expect(access).toEqual({
      baselinePrincipalArn: 'arn:aws:iam::000000000000:role/baseline',
      rolloutPrincipalArns: ['arn:aws:iam::000000000000:role/a', 'arn:aws:iam::000000000000:role/b'],
      scalingPrincipalArns: ['arn:aws:iam::000000000000:role/c'],
    });
  });
});
