/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub writes its variables as ${Name} */
import { lintTemplate } from '../../../../tools/iam-lint/lint-template';

/** A role as serverless packages it: intrinsics resolved for the sandbox's account and region before the check. */
const templateWith = (statement: object) => ({
  Resources: {
    EksflowTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'eksflow-dev' } },
    WorkerLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'eksflow-dev-worker' } },
    WorkerRole: {
      Type: 'AWS::IAM::Role',
      Properties: { Policies: [{ PolicyName: 'worker', PolicyDocument: { Statement: [statement] } }] },
    },
  },
});

describe('lintTemplate', () => {
  it('resolves GetAtt, Fn::Join and Fn::Sub before checking, and names role and statement in each finding', async () => {
    // Prepare
    const table = { 'Fn::GetAtt': ['EksflowTable', 'Arn'] };
    const clean = templateWith({
      Sid: 'Table',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query'],
      Resource: [table, { 'Fn::Join': ['', [table, '/index/gsi1']] }],
    });
    const invoke = templateWith({
      Sid: 'Invoke',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction', 'dynamodb:GetItem'],
      Resource: [
        { 'Fn::Sub': ['${functionArn}:*', { functionArn: { 'Fn::GetAtt': ['WorkerLambdaFunction', 'Arn'] } }] },
      ],
    });

    // Act / Assess
    expect(await lintTemplate(clean)).toEqual([]);
    expect(await lintTemplate(invoke)).toEqual([
      'WorkerRole/Invoke: dynamodb:GetItem: arn:aws:lambda:us-east-1:000000000000:function:eksflow-dev-worker:* is of no resource type the action takes',
      'WorkerRole/Invoke: dynamodb:GetItem: requires a resource of type table, and the statement names none',
    ]);
  });

  it('reports a resource it cannot resolve instead of guessing', async () => {
    // Act
    const lines = await lintTemplate(
      templateWith({ Sid: 'Odd', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { Ref: 'NoSuchQueue' } }),
    );

    // Assess
    expect(lines).toEqual(['WorkerRole/Odd: cannot resolve Ref NoSuchQueue']);
  });
});
