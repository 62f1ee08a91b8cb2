/**
 * Least-privilege rules checked on the packaged CloudFormation template (issue 8, items 4 and 6). Each rule
 * returns what breaks it, so a failing test names the role, statement or route at fault.
 */

export interface CfnResource {
  Type: string;
  Properties?: any;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export interface StatementRef {
  role: string;
  policy: string;
  statement: { Sid?: string; Effect: string; Action?: string | string[]; Resource?: unknown; Condition?: unknown };
}

/** Every statement of every inline policy of every IAM role (and of managed policies written in the template). */
export function policyStatements(template: CfnTemplate): StatementRef[] {
  return Object.entries(template.Resources).flatMap(([id, resource]) => {
    if (resource.Type === 'AWS::IAM::Role') {
      return (resource.Properties?.Policies ?? []).flatMap((policy: any) =>
        statementsOf(policy.PolicyDocument).map((statement) => ({
          role: id,
          policy: String(policy.PolicyName),
          statement,
        })),
      );
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      return statementsOf(resource.Properties?.PolicyDocument).map((statement) => ({
        role: id,
        policy: id,
        statement,
      }));
    }
    return [];
  });
}

/** Statements allowing `*` or `service:*` (or any action pattern with a wildcard), or using NotAction. */
export function wildcardActions(template: CfnTemplate): string[] {
  return policyStatements(template).flatMap(({ role, statement }) => {
    if ('NotAction' in statement) return [`${role}: NotAction`];
    return actionsOf(statement)
      .filter((action) => action.includes('*'))
      .map((action) => `${role}: ${action}`);
  });
}

/** Roles given to more than one Lambda function: each function must have its own. */
export function sharedRoles(template: CfnTemplate): string[] {
  const functionsByRole = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const role = JSON.stringify(resource.Properties?.Role);
    functionsByRole.set(role, [...(functionsByRole.get(role) ?? []), id]);
  }
  return [...functionsByRole.entries()]
    .filter(([, functions]) => functions.length > 1)
    .map(([role, functions]) => `${role}: ${functions.join(', ')}`);
}

/** Functions without a role of their own in the template (an implicit or missing role). */
export function functionsWithoutOwnRole(template: CfnTemplate): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .filter(([, r]) => {
      const roleId = r.Properties?.Role?.['Fn::GetAtt']?.[0];
      return !roleId || template.Resources[roleId]?.Type !== 'AWS::IAM::Role';
    })
    .map(([id]) => id);
}

/**
 * iam:PassRole statements that may pass any role: no Resource, a `*` in the resource, or no
 * iam:PassedToService condition naming the one service the role is for.
 */
export function unboundedPassRoles(template: CfnTemplate): string[] {
  return policyStatements(template)
    .filter(({ statement }) => actionsOf(statement).some((a) => a.toLowerCase() === 'iam:passrole'))
    .filter(({ statement }) => {
      const resources = [statement.Resource ?? []].flat();
      const anyRole = resources.length === 0 || resources.some((r) => typeof r === 'string' && r.includes('*'));
      const toService = (statement.Condition as any)?.StringEquals?.['iam:PassedToService'];
      return anyRole || !toService;
    })
    .map(({ role, statement }) => `${role}: ${statement.Sid ?? JSON.stringify(statement.Resource)}`);
}

/**
 * HTTP API routes without IAM authorization (SigV4). `GET /health` is public by design (docs/design.md,
 * "Signing"). Enabled after the authorizers land (issue 8, item 1): call it from the package test then.
 */
export function routesWithoutAuthorization(template: CfnTemplate, publicRoutes = ['GET /health']): string[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .filter((r) => !publicRoutes.includes(r.Properties?.RouteKey) && r.Properties?.AuthorizationType !== 'AWS_IAM')
    .map((r) => String(r.Properties?.RouteKey));
}

function statementsOf(document: any): StatementRef['statement'][] {
  return [document?.Statement ?? []].flat();
}

function actionsOf(statement: StatementRef['statement']): string[] {
  return [statement.Action ?? []].flat().map(String);
}
