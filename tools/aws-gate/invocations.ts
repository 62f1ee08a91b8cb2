import { evaluate } from './evaluate';
import type { StateMachineRole } from './packaged-roles';

/**
 * Step Functions invokes a task's function as the state machine's role: in the sandbox the workflows run in
 * process, so the gate's evaluator is asked here, before each task, whether that role may invoke the function.
 */
export function stateMachineInvocations(
  roles: StateMachineRole[],
  region: string,
): (workflow: string, functionName: string) => Promise<void> {
  const byWorkflow = new Map(roles.map((r) => [r.workflow, r]));
  const allowed = new Set<string>();
  return async (workflow, functionName) => {
    const key = `${workflow}\0${functionName}`;
    if (allowed.has(key)) return;
    const role = byWorkflow.get(workflow);
    const account = role?.roleArn.split(':')[4] ?? '000000000000';
    const functionArn = `arn:aws:lambda:${region}:${account}:function:eksflow-dev-${functionName}`;
    // Step Functions' session of the role.
    const principal = `arn:aws:sts::${account}:assumed-role/${role?.roleName ?? `no-role-for-${workflow}`}/StepFunctions`;
    const decision = await evaluate(
      principal,
      role?.policies ?? [],
      { action: 'lambda:InvokeFunction', resource: functionArn },
      {},
    );
    if (decision.allowed) {
      allowed.add(key);
      return;
    }
    // What Step Functions reports for a task its role may not invoke.
    throw Object.assign(
      new Error(`${decision.message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)`),
      { name: 'Lambda.AWSLambdaException' },
    );
  };
}
