import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { lambdaArn, loadWorkflowDefinition } from '../../core/adapters/local/workflow-definitions';
import { readServerlessManifest } from '../../local/serverless-manifest';
import { defined } from '../helpers/defined';

const root = path.resolve(__dirname, '../..');
const workflowNames = readdirSync(path.join(root, 'workflows'))
  .filter((f) => f.endsWith('.asl.json'))
  .map((f) => f.slice(0, -'.asl.json'.length));

type Validate = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };
// asl-validator 4 ships no type declarations: type the one function it exports.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validate = require('asl-validator') as Validate;

/** Every `{"Fn::GetAtt": [fn, "Arn"]}` in the raw file, wherever it sits. */
function getAttFunctions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(getAttFunctions);
  if (typeof node !== 'object' || node === null) return [];
  const getAtt = (node as Record<string, unknown>)['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return [String(getAtt[0])];
  return Object.values(node).flatMap(getAttFunctions);
}

describe('workflow definitions', () => {
  it('finds the workflows', () => {
    // Assess
    expect(workflowNames).toContain('provision-cluster');
  });

  it.each(workflowNames)('%s is valid Amazon States Language after loading', (name) => {
    // Prepare
    const { definition } = loadWorkflowDefinition(root, name);
    const before = JSON.stringify(definition);

    // Act (asl-validator adds QueryLanguage to the states it checks: give it a copy)
    const result = validate(structuredClone(definition), { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
    expect(JSON.stringify(definition)).toBe(before);
  });

  it('asl-validator catches a broken definition (the check above can fail)', () => {
    // Prepare
    const { definition } = loadWorkflowDefinition(root, 'provision-cluster');
    const broken = structuredClone(definition) as { States: Record<string, Record<string, unknown>> };
    defined(broken.States.RequestControlPlane, 'broken.States.RequestControlPlane').Next = 'NoSuchState';

    // Act / Assess
    expect(validate(broken).isValid).toBe(false);
  });

  it.each(workflowNames)('%s references only functions declared in serverless.yml', (name) => {
    // Prepare
    const declared = new Set(readServerlessManifest(root).functions.map((f) => f.name));
    const raw = JSON.parse(readFileSync(path.join(root, 'workflows', `${name}.asl.json`), 'utf8'));

    // Act
    const referenced = getAttFunctions(raw);

    // Assess
    expect(referenced.length).toBeGreaterThan(0);
    expect(referenced.filter((fn) => !declared.has(fn))).toEqual([]);
  });

  it.each(workflowNames)('%s: every task maps to its function and gets a Lambda ARN', (name) => {
    // Act
    const { definition, taskFunctions } = loadWorkflowDefinition(root, name);

    // Assess
    const states = allStates(definition);
    for (const [state, fn] of Object.entries(taskFunctions)) expect(states[state]?.Resource).toBe(lambdaArn(fn));
  });

  it('maps the provision-cluster tasks to their functions', () => {
    // Act / Assess
    expect(loadWorkflowDefinition(root, 'provision-cluster').taskFunctions).toEqual({
      RequestControlPlane: 'provisionRequestControlPlane',
      CheckControlPlane: 'provisionCheckControlPlane',
      EnsureComponent: 'provisionEnsureComponent',
      CheckComponent: 'provisionCheckComponent',
      ApplyAccess: 'provisionApplyAccess',
      ApplyBaseline: 'provisionApplyBaseline',
      CompleteProvisioning: 'provisionComplete',
      RecordFailure: 'provisionFail',
      RollBack: 'provisionRollback',
      FinishFailed: 'provisionFinishFailed',
    });
  });

  it('every state machine in serverless.yml points at an existing workflow file', () => {
    // Act
    const referenced = Object.values(readServerlessManifest(root).stateMachines).map((sm) => sm.workflow);

    // Assess
    expect(referenced.filter((w) => !workflowNames.includes(w))).toEqual([]);
  });
});

/** Every state by name, those inside Map and Parallel states too (names are unique across them). */
function allStates(machine: Record<string, unknown>): Record<string, { Resource?: unknown }> {
  const states = machine.States as Record<string, Record<string, unknown>>;
  const nested = Object.values(states).flatMap((state) => [
    ...((state.Branches as Record<string, unknown>[] | undefined) ?? []),
    ...(['Iterator', 'ItemProcessor'] as const).flatMap((k) => (state[k] ? [state[k] as Record<string, unknown>] : [])),
  ]);
  return Object.assign({}, states, ...nested.map(allStates));
}
