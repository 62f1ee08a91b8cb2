import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A workflow as both Step Functions and the local engine can run it. */
export interface WorkflowDefinition {
  name: string;
  /** Pure ASL: every `{"Fn::GetAtt": [fn, "Arn"]}` replaced by a Lambda ARN. */
  definition: Record<string, unknown>;
  /** Task state name → serverless function name (key under `functions:`). */
  taskFunctions: Record<string, string>;
}

const FAKE_ACCOUNT = '000000000000';

export function lambdaArn(functionName: string, region = 'us-east-1'): string {
  return `arn:aws:lambda:${region}:${FAKE_ACCOUNT}:function:eksflow-${functionName}`;
}

/**
 * Reads `workflows/<name>.asl.json`. Task resources reference functions the way serverless-step-functions
 * resolves them (`Fn::GetAtt: [functionName, Arn]`); here they become plain ARNs, and the mapping from
 * state to function is returned so the local engine can call the same handler.
 */
export function loadWorkflowDefinition(root: string, name: string): WorkflowDefinition {
  const raw = JSON.parse(readFileSync(path.join(root, 'workflows', `${name}.asl.json`), 'utf8')) as Record<
    string,
    unknown
  >;
  const taskFunctions: Record<string, string> = {};
  const definition = resolveStates(raw, taskFunctions);
  return { name, definition, taskFunctions };
}

function resolveStates(
  machine: Record<string, unknown>,
  taskFunctions: Record<string, string>,
): Record<string, unknown> {
  const states = machine.States as Record<string, Record<string, unknown>>;
  const resolved: Record<string, unknown> = {};
  for (const [stateName, state] of Object.entries(states)) {
    const copy: Record<string, unknown> = { ...state };
    const functionName = getAttFunction(state.Resource);
    if (functionName) {
      if (taskFunctions[stateName])
        throw new Error(`task state name ${stateName} is used twice; names must be unique across branches`);
      taskFunctions[stateName] = functionName;
      copy.Resource = lambdaArn(functionName);
    }
    if (Array.isArray(state.Branches))
      copy.Branches = state.Branches.map((b) => resolveStates(b as Record<string, unknown>, taskFunctions));
    for (const key of ['Iterator', 'ItemProcessor'] as const) {
      if (state[key]) copy[key] = resolveStates(state[key] as Record<string, unknown>, taskFunctions);
    }
    resolved[stateName] = copy;
  }
  return { ...machine, States: resolved };
}

function getAttFunction(resource: unknown): string | undefined {
  const getAtt = (resource as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  if (!Array.isArray(getAtt)) return undefined;
  if (getAtt.length !== 2 || getAtt[1] !== 'Arn') throw new Error(`unsupported Fn::GetAtt ${JSON.stringify(getAtt)}`);
  return String(getAtt[0]);
}
