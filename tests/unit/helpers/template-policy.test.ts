import {
  type CfnTemplate,
  functionsWithoutOwnRole,
  routesWithoutAuthorization,
  sharedRoles,
  unboundedPassRoles,
  wildcardActions,
} from '../../helpers/template-policy';

/** A role with one inline policy holding `statements`. */
function role(...statements: object[]) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: { Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } }] },
  };
}
function lambda(roleId: string) {
  return { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': [roleId, 'Arn'] } } };
}
function route(RouteKey: string, AuthorizationType?: string) {
  return {
    Type: 'AWS::ApiGatewayV2::Route',
    Properties: { RouteKey, ...(AuthorizationType ? { AuthorizationType } : {}) },
  };
}
const passRole = (extra: object) => ({ Effect: 'Allow', Action: 'iam:PassRole', ...extra });
const toEks = { Condition: { StringEquals: { 'iam:PassedToService': 'eks.amazonaws.com' } } };

describe('template policy rules', () => {
  it.each([
    { action: '*', found: ['R: *'] },
    { action: 'dynamodb:*', found: ['R: dynamodb:*'] },
    { action: ['eks:Describe*', 'eks:ListClusters'], found: ['R: eks:Describe*'] },
    { action: ['eks:DescribeCluster'], found: [] },
  ])('finds the wildcard actions in $action', ({ action, found }) => {
    // Prepare
    const template: CfnTemplate = { Resources: { R: role({ Effect: 'Allow', Action: action, Resource: '*' }) } };

    // Act / Assess
    expect(wildcardActions(template)).toEqual(found);
  });

  it('counts NotAction as a wildcard', () => {
    // Act / Assess
    expect(wildcardActions({ Resources: { R: role({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }) } })).toEqual(
      ['R: NotAction'],
    );
  });

  it('finds a role shared by two functions, and functions whose role is not in the template', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: { Shared: role(), Own: role(), A: lambda('Shared'), B: lambda('Shared'), C: lambda('Own') },
    };
    const external: CfnTemplate = {
      Resources: { D: { Type: 'AWS::Lambda::Function', Properties: { Role: 'arn:aws:iam::1:role/x' } } },
    };

    // Act / Assess
    expect(sharedRoles(template)).toEqual(['{"Fn::GetAtt":["Shared","Arn"]}: A, B']);
    expect(functionsWithoutOwnRole(template)).toEqual([]);
    expect(functionsWithoutOwnRole(external)).toEqual(['D']);
  });

  it.each([
    { what: 'no resource', statement: passRole(toEks), bad: true },
    { what: 'a * resource', statement: passRole({ Resource: '*', ...toEks }), bad: true },
    { what: 'a role-name wildcard', statement: passRole({ Resource: 'arn:aws:iam::1:role/*', ...toEks }), bad: true },
    { what: 'no PassedToService', statement: passRole({ Resource: 'arn:aws:iam::1:role/eks' }), bad: true },
    { what: 'one role, to EKS', statement: passRole({ Resource: 'arn:aws:iam::1:role/eks', ...toEks }), bad: false },
  ])('judges a PassRole with $what', ({ statement, bad }) => {
    // Act
    const found = unboundedPassRoles({ Resources: { R: role(statement) } });

    // Assess
    expect(found).toHaveLength(bad ? 1 : 0);
  });

  it('finds the routes without IAM authorization, GET /health excepted', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        Health: route('GET /health'),
        Open: route('POST /rollouts'),
        Custom: route('GET /rollouts', 'CUSTOM'),
        Signed: route('POST /clusters', 'AWS_IAM'),
      },
    };

    // Act / Assess
    expect(routesWithoutAuthorization(template)).toEqual(['POST /rollouts', 'GET /rollouts']);
  });
});
