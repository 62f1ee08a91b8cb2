import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadWorkflowDefinition } from '../../../core/adapters/local/workflow-definitions';
import { FUNCTIONS, type FunctionSpec, roleId, roleResources, serverlessFunctions } from '../../../deploy/functions';
import type { Grant } from '../../../deploy/iam/grants';
import { defined } from '../../helpers/defined';

const root = path.resolve(__dirname, '../../..');
const workflows = readdirSync(path.join(root, 'workflows'))
  .filter((f) => f.endsWith('.asl.json'))
  .map((f) => f.slice(0, -'.asl.json'.length));

type Role = {
  Properties: {
    ManagedPolicyArns?: unknown[];
    Policies: { PolicyDocument: { Statement: Grant[] } }[];
  };
};
const statementsOf = (role: Role) => role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
const rolesOf = (table: Record<string, FunctionSpec>) => roleResources(table) as Record<string, Role>;

describe('the function table (deploy/functions.ts)', () => {
  it.each(workflows)('%s: every task state names a function of that workflow, and each of those is used', (name) => {
    // Act
    const used = new Set(Object.values(loadWorkflowDefinition(root, name).taskFunctions));

    // Assess
    const declared = Object.keys(FUNCTIONS).filter((fn) => FUNCTIONS[fn]?.workflow === name);
    expect(declared.length).toBeGreaterThan(0);
    expect([...used].filter((fn) => FUNCTIONS[fn]?.workflow !== name)).toEqual([]);
    expect(declared.filter((fn) => !used.has(fn))).toEqual([]);
  });

  it('gives every function one role, whose first and only log statement is its own log group', () => {
    // Act
    const roles = rolesOf(FUNCTIONS);

    // Assess
    expect(Object.keys(roles)).toEqual(Object.keys(FUNCTIONS).map(roleId));
    for (const name of Object.keys(FUNCTIONS)) {
      const statements = statementsOf(defined(roles[roleId(name)], roleId(name)));
      const logs = statements.filter((s) => s.Action.some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([statements[0]]);
      expect(JSON.stringify(logs[0]?.Resource)).toContain(`:log-group:/aws/lambda/eksflow-\${sls:stage}-${name}:*`);
    }
  });

  it('grants no `*` action, and no statement id twice in one role (IAM refuses a repeated Sid)', () => {
    // Act
    const statements = Object.values(rolesOf(FUNCTIONS)).map(statementsOf);

    // Assess
    expect(statements.flat().flatMap((s) => s.Action.filter((a) => a.includes('*')))).toEqual([]);
    for (const role of statements) expect(new Set(role.map((s) => s.Sid)).size).toBe(role.length);
  });

  it('places a function in the VPC exactly when its role gets the VPC policy, and every Kubernetes caller there', () => {
    // Act
    const functions = serverlessFunctions();
    const roles = rolesOf(FUNCTIONS);

    // Assess
    for (const [name, fn] of Object.entries(FUNCTIONS)) {
      const inVpc = functions[name]?.vpc !== undefined;
      expect([name, inVpc]).toEqual([name, fn.vpc === true]);
      expect([name, roles[roleId(name)]?.Properties.ManagedPolicyArns]).toEqual([
        name,
        inVpc ? [{ Ref: 'FunctionsVpcAccessPolicy' }] : undefined,
      ]);
      if (fn.kube?.length) expect([name, inVpc]).toEqual([name, true]);
    }
  });

  it('lists the Kubernetes principals in table order, and gives them to the functions that make access entries', () => {
    // Prepare
    const table: Record<string, FunctionSpec> = {
      b: { handler: 'f.b', kube: ['rollout', 'scaling'], kubePrincipals: true, aws: [] },
      a: { handler: 'f.a', kube: ['admin', 'rollout'], aws: [] },
      c: { handler: 'f.c', kube: ['scaling'], aws: [] },
    };

    // Act
    const functions = serverlessFunctions(table);

    // Assess
    const arn = (fn: string) => ({ 'Fn::GetAtt': [roleId(fn), 'Arn'] });
    expect(functions.b?.environment).toEqual({
      EKSFLOW_BASELINE_PRINCIPAL_ARN: arn('a'),
      EKSFLOW_ROLLOUT_PRINCIPAL_ARNS: { 'Fn::Join': [',', [arn('b'), arn('a')]] },
      EKSFLOW_SCALING_PRINCIPAL_ARNS: { 'Fn::Join': [',', [arn('b'), arn('c')]] },
    });
    expect(functions.a?.environment).toBeUndefined();
  });

  it('refuses a table without exactly one Kubernetes admin (the baseline step)', () => {
    // Prepare
    const twoAdmins: Record<string, FunctionSpec> = {
      a: { handler: 'f.a', kube: ['admin'], kubePrincipals: true, aws: [] },
      b: { handler: 'f.b', kube: ['admin'], aws: [] },
    };

    // Act / Assess
    expect(() => serverlessFunctions(twoAdmins)).toThrow('exactly one function calls Kubernetes as admin');
    expect(() => serverlessFunctions(FUNCTIONS)).not.toThrow();
  });

  it('reserves concurrency for every workflow task and the alarm function', () => {
    // Act
    const functions = serverlessFunctions();

    // Assess
    const reserved = Object.keys(functions).filter((name) => functions[name]?.reservedConcurrency !== undefined);
    const tasks = Object.keys(FUNCTIONS).filter((name) => FUNCTIONS[name]?.workflow);
    expect(reserved.sort()).toEqual([...tasks, 'alarmStateChange'].sort());
  });
});
