import type { SigningIdentity } from '../../local/sigv4-verifier';
import type { Authorization } from './catalogue';
import { type Decision, evaluate, type PolicyDocument } from './evaluate';
import { postToGate } from './function-identities';
import type { PackagedRole, PackagedRule, StateMachineRole } from './packaged-roles';

/**
 * The invocations AWS services make on eksflow's behalf, evaluated as AWS evaluates them: Step Functions runs a task
 * as the state machine's role, EventBridge Scheduler invokes a schedule's target as the schedule's `RoleArn`, and an
 * EventBridge rule invokes a function as `events.amazonaws.com`, allowed by the function's resource-based policy
 * (its `AWS::Lambda::Permission`s) for that rule. In the sandbox these services run in process, so they ask the
 * gate (`POST /_eksflow-gate/authorize`) before each invocation; the gate logs a refusal as it logs any other.
 */

/** Where a runtime asks the gate whether a service's invocation is allowed (signed by an admin key). */
export const AUTHORIZE_PATH = '/_eksflow-gate/authorize';

/** One call a service makes: as whom, with which identity policies, on a resource with which resource policy. */
export interface ServiceAuthorization {
  principal: string;
  policies: PackagedRole['policies'];
  resourcePolicy?: PolicyDocument;
  authorization: Authorization;
}

export type Authorize = (request: ServiceAuthorization) => Promise<Decision>;

/** Evaluates here (the gate's side of AUTHORIZE_PATH, and unit tests). */
export const authorizeHere: Authorize = (r) => evaluate(r.principal, r.policies, r.authorization, {}, r.resourcePolicy);

/** Asks the gate at `endpoint`, which evaluates and logs a refusal in its log. */
export function gateAuthorizer(endpoint: string, region: string, admin: SigningIdentity): Authorize {
  return async (request) => {
    const response = await postToGate(endpoint, region, admin, AUTHORIZE_PATH, request);
    if (response.status !== 200)
      throw new Error(
        `${endpoint} did not authorize a service's invocation (${response.status} ${await response.text()})`,
      );
    return (await response.json()) as Decision;
  };
}

/** Decisions that allowed, once each: the policies are fixed for a runtime's life, and polling repeats invocations. */
function allowedOnce(authorize: Authorize): Authorize {
  const allowed = new Set<string>();
  return async (request) => {
    const key = JSON.stringify(request);
    if (allowed.has(key)) return { allowed: true };
    const decision = await authorize(request);
    if (decision.allowed) allowed.add(key);
    return decision;
  };
}

const INVOKE = 'lambda:InvokeFunction';

/**
 * Step Functions invokes a task's function as the state machine's role; a refused task fails with
 * `Lambda.AWSLambdaException`, as Step Functions reports it.
 */
export function stateMachineInvocations(
  roles: StateMachineRole[],
  functionArn: (functionName: string) => string,
  authorize: Authorize,
): (workflow: string, functionName: string) => Promise<void> {
  const byWorkflow = new Map(roles.map((r) => [r.workflow, r]));
  const decide = allowedOnce(authorize);
  return async (workflow, functionName) => {
    const role = byWorkflow.get(workflow);
    const decision = await decide({
      principal: sessionOf(role?.roleArn ?? `arn:aws:iam::000000000000:role/no-role-for-${workflow}`, 'StepFunctions'),
      policies: role?.policies ?? [],
      authorization: invokeAuthorization(functionArn(functionName)),
    });
    if (decision.allowed) return;
    throw Object.assign(
      new Error(`${decision.message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)`),
      { name: 'Lambda.AWSLambdaException' },
    );
  };
}

/** What every schedule eksflow deploys names (core/adapters/aws/eventbridge-scheduler.ts). */
export interface ScheduleTarget {
  functionArn: string;
  roleArn: string;
  deadLetterArn?: string;
}

/**
 * EventBridge Scheduler assumes the schedule's `RoleArn` to invoke the target (`lambda:InvokeFunction` on it) and to
 * write a dead letter (`sqs:SendMessage` on the queue): allowed only if that role's policies allow it. The role is
 * looked up among the template's roles; a role the template lacks has no policies.
 */
export function schedulerInvocations(
  roles: Map<string, PackagedRole>,
  authorize: Authorize,
): (roleArn: string, authorization: Authorization) => Promise<Decision> {
  const decide = allowedOnce(authorize);
  return (roleArn, authorization) =>
    decide({
      principal: sessionOf(roleArn, 'EventBridgeScheduler'),
      policies: roles.get(roleArn)?.policies ?? [],
      authorization,
    });
}

/** `lambda:InvokeFunction` on a function: what every service's invocation of a task or target is authorized as. */
export const invokeAuthorization = (functionArn: string): Authorization => ({ action: INVOKE, resource: functionArn });

/**
 * An EventBridge rule invokes its Lambda target as `events.amazonaws.com`, with the rule as `aws:SourceArn`: allowed
 * only by the function's resource-based policy (no identity policy is involved; a function without one refuses).
 */
export function ruleInvocations(
  resourcePolicies: Map<string, PolicyDocument>,
  authorize: Authorize,
): (rule: Pick<PackagedRule, 'ruleArn'>, functionArn: string) => Promise<Decision> {
  const decide = allowedOnce(authorize);
  return (rule, functionArn) =>
    decide({
      principal: 'events.amazonaws.com',
      policies: [],
      resourcePolicy: resourcePolicies.get(functionArn),
      authorization: {
        action: INVOKE,
        resource: functionArn,
        context: { 'aws:SourceArn': rule.ruleArn, 'aws:SourceAccount': rule.ruleArn.split(':')[4] ?? '' },
      },
    });
}

/** A service's session of a role: `assumed-role/<role>/<session>`. */
function sessionOf(roleArn: string, session: string): string {
  const [, , , , account, resource] = roleArn.split(':');
  return `arn:aws:sts::${account}:assumed-role/${resource
    ?.replace(/^role\//, '')
    .split('/')
    .pop()}/${session}`;
}
