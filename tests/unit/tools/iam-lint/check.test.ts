/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: the reference writes ARN templates with ${Name} */

import { resourceMatchesTemplate } from '../../../../tools/iam-lint/arn-pattern';
import { checkStatement } from '../../../../tools/iam-lint/check';

const cluster = 'arn:aws:eks:us-east-1:000000000000:cluster/*';
const nodegroups = 'arn:aws:eks:us-east-1:000000000000:nodegroup/*/*/*';
const accessEntries = 'arn:aws:eks:us-east-1:000000000000:access-entry/*';

describe('npm run lint:iam: a statement against the Service Authorization Reference', () => {
  it('rejects DescribeUpdate granted on node groups only: it requires the cluster', async () => {
    // Act
    const findings = await checkStatement({ Effect: 'Allow', Action: 'eks:DescribeUpdate', Resource: [nodegroups] });

    // Assess
    expect(findings).toEqual([
      { rule: 'missing-required-resource-type', action: 'eks:DescribeUpdate', resourceType: 'cluster' },
    ]);
  });

  it('accepts DescribeUpdate on the cluster and its node groups', async () => {
    // Act / Assess
    expect(
      await checkStatement({ Effect: 'Allow', Action: ['eks:DescribeUpdate'], Resource: [cluster, nodegroups] }),
    ).toEqual([]);
  });

  it('rejects a resource of a type the action does not take', async () => {
    // Act
    const findings = await checkStatement({
      Effect: 'Allow',
      Action: 'eks:ListNodegroups',
      Resource: [cluster, nodegroups],
    });

    // Assess
    expect(findings).toEqual([{ rule: 'resource-type-not-taken', action: 'eks:ListNodegroups', resource: nodegroups }]);
  });

  it('rejects an action AWS does not have (TransactWriteItems is authorized item by item)', async () => {
    // Act
    const findings = await checkStatement({
      Effect: 'Allow',
      Action: ['dynamodb:TransactWriteItems', 'dynamodb:PutItem'],
      Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/eksflow-dev',
    });

    // Assess
    expect(findings).toEqual([{ rule: 'unknown-action', action: 'dynamodb:TransactWriteItems' }]);
  });

  it('rejects a condition key the action does not supply, and takes ...IfExists and the global keys', async () => {
    // Act
    const dead = await checkStatement({
      Effect: 'Allow',
      Action: 'eks:DescribeCluster',
      Resource: cluster,
      Condition: { StringEquals: { 'aws:RequestTag/eksflow:managed': 'true', 'eks:policyArn': 'x' } },
    });
    const fine = await checkStatement({
      Effect: 'Allow',
      Action: 'eks:AssociateAccessPolicy',
      Resource: accessEntries,
      Condition: {
        StringEquals: { 'aws:ResourceTag/eksflow:managed': 'true', 'eks:policyArn': 'x', 'aws:SourceAccount': '1' },
        StringEqualsIfExists: { 'eks:notAKey': 'x' },
      },
    });

    // Assess
    expect(dead).toEqual([
      {
        rule: 'unsupported-condition-key',
        action: 'eks:DescribeCluster',
        conditionKey: 'aws:RequestTag/eksflow:managed',
      },
      { rule: 'unsupported-condition-key', action: 'eks:DescribeCluster', conditionKey: 'eks:policyArn' },
    ]);
    expect(fine).toEqual([]);
  });

  it('takes a standard execution for the execution-or-express types the reference marks both required', async () => {
    // Act / Assess
    expect(
      await checkStatement({
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        Resource: 'arn:aws:states:us-east-1:000000000000:execution:eksflow-dev-scale-nodegroup:*',
      }),
    ).toEqual([]);
  });

  it('takes tag-on-create keys on the create action itself', async () => {
    // Act / Assess
    expect(
      await checkStatement({
        Effect: 'Allow',
        Action: 'eks:CreateAccessEntry',
        Resource: cluster,
        Condition: {
          StringEquals: { 'aws:ResourceTag/eksflow:managed': 'true', 'aws:RequestTag/eksflow:managed': 'true' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['eksflow:managed'] },
        },
      }),
    ).toEqual([]);
  });
});

describe('resource patterns against reference ARN templates', () => {
  it.each([
    [
      'arn:aws:eks:us-east-1:1:nodegroup/*',
      'arn:${Partition}:eks:${Region}:${Account}:nodegroup/${ClusterName}/${NodegroupName}/${UUID}',
      true,
    ],
    ['arn:aws:eks:us-east-1:1:nodegroup/*', 'arn:${Partition}:eks:${Region}:${Account}:cluster/${ClusterName}', false],
    [
      'arn:aws:logs:us-east-1:1:log-group:/aws/lambda/eksflow-dev-api:*',
      'arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}',
      true,
    ],
    ['arn:aws:eks:us-east-1:1:cluster/', 'arn:${Partition}:eks:${Region}:${Account}:cluster/${ClusterName}', false],
  ])('%s against %s: %s', (resource, template, overlaps) => {
    expect(resourceMatchesTemplate(resource, template)).toBe(overlaps);
  });
});
