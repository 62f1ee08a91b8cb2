import { isWildcardOnlyAction, runSimulation } from '@cloud-copilot/iam-simulate';
import type { Authorization } from './catalogue';

/** An IAM policy document as written in a role's inline policy. */
export interface PolicyDocument {
  Version?: string;
  Statement: unknown;
}

export type Decision =
  | { allowed: true }
  | { allowed: false; action: string; resource: string; explicit: boolean; message: string };

/**
 * IAM's decision for one authorization, by @cloud-copilot/iam-simulate (AGPL-3.0: a devDependency the sandbox and
 * tests use, never bundled into a Lambda). The caller's identity policies, and the resource's own policy when it has
 * one (a function's `AWS::Lambda::Permission`s). eksflow's roles have no boundaries, and the sandbox has no
 * organization, so no SCPs or RCPs. `principalArn` may be a service principal (`events.amazonaws.com`): AWS then
 * supplies `aws:SourceArn`/`aws:SourceAccount` (in the authorization's context) instead of `aws:PrincipalArn`.
 */
export async function evaluate(
  principalArn: string,
  policies: { name: string; document: PolicyDocument }[],
  authorization: Authorization,
  resourceTags: Record<string, string>,
  resourcePolicy?: PolicyDocument,
): Promise<Decision> {
  const { action, resource } = authorization;
  const servicePrincipal = !principalArn.startsWith('arn:');
  const account = (servicePrincipal ? resource : principalArn).split(':')[4] ?? '';
  const contextVariables: Record<string, string | string[]> = {
    ...(servicePrincipal ? {} : { 'aws:PrincipalArn': principalArn, 'aws:PrincipalAccount': account }),
    ...Object.fromEntries(Object.entries(resourceTags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
    ...authorization.context,
  };
  const [service = '', name = ''] = action.split(':');
  // An action that takes no resource type (eks:CreateCluster) is evaluated on `*`, as IAM does; the message
  // still names the resource the request is about.
  const evaluatedOn = (await isWildcardOnlyAction(service, name)) ? '*' : resource;
  const result = await runSimulation(
    {
      identityPolicies: policies.map((p) => ({ name: p.name, policy: p.document as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      request: {
        action,
        principal: principalArn,
        resource: { resource: evaluatedOn, accountId: account },
        contextVariables,
      },
    },
    {},
  );
  if (result.resultType === 'error') {
    // A request the evaluator cannot take (an action or a context key unknown to the Service Authorization
    // Reference) is refused, and says why: the catalogue or the policy is wrong, not the caller.
    return {
      allowed: false,
      action,
      resource,
      explicit: false,
      message: `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} because the sandbox's IAM evaluator refused the request: ${JSON.stringify(result.errors)}`,
    };
  }
  if (result.overallResult === 'Allowed') return { allowed: true };
  const explicit = result.overallResult === 'ExplicitlyDenied';
  return {
    allowed: false,
    action,
    resource,
    explicit,
    message: servicePrincipal
      ? `${principalArn} is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows the ${action} action`
      : denialMessage(principalArn, action, resource, explicit),
  };
}

/** AWS's words for an identity-based denial. */
export function denialMessage(principalArn: string, action: string, resource: string, explicit: boolean): string {
  const because = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${because}`;
}

/** Whether any statement of these policies reads `aws:ResourceTag/…` (only then does the gate read tags). */
export function usesResourceTags(policies: { document: PolicyDocument }[]): boolean {
  return policies.some((p) => /aws:ResourceTag\//i.test(JSON.stringify(p.document)));
}
