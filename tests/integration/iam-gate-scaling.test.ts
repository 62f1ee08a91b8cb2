import type { FunctionRole } from '../../tools/aws-gate/packaged-roles';
import { createNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import { api, eventually, startTestRuntime, type TestRuntime } from '../helpers/stack';

/**
 * Issue 15, part 1: every function calls AWS as its packaged role, through the AWS gate. Proof by mutation: the
 * same scale succeeds with the roles as packaged, and fails naming eks:DescribeUpdate and AccessDenied when the
 * scale-check role's DescribeUpdate grant is put back on node groups only, or removed.
 */

const DESCRIBE_UPDATE = 'eks:DescribeUpdate';

/** The scale-check role with its DescribeUpdate statement changed by `change` (undefined: removed). */
const scaleCheckDescribeUpdate =
  (change: (resource: unknown) => unknown | undefined) =>
  (roles: FunctionRole[]): FunctionRole[] =>
    roles.map((role) => {
      if (role.functionName !== 'scaleCheck') return role;
      const policies = role.policies.map((policy) => {
        const statements = [policy.document.Statement].flat() as { Action?: unknown; Resource?: unknown }[];
        const changed = statements.flatMap((s) => {
          if (![s.Action].flat().includes(DESCRIBE_UPDATE)) return [s];
          const resource = change(s.Resource);
          return resource === undefined ? [] : [{ ...s, Resource: resource }];
        });
        return { ...policy, document: { ...policy.document, Statement: changed } };
      });
      return { ...role, policies };
    });

async function scaleOnce(runtime: TestRuntime, ng: NodegroupFixture) {
  const accepted = await api(runtime, 'POST', `/clusters/${ng.cluster}/nodegroups/${ng.name}/scale`, {
    desiredSize: 3,
  });
  expect(accepted.status).toBe(202);
  return eventually(
    `operation ${accepted.body.operationId} to finish`,
    async () => {
      const { body } = await api(runtime, 'GET', `/operations/${accepted.body.operationId}`);
      return body.status === 'Running' ? undefined : body;
    },
    30000,
  );
}

describe.each([
  {
    name: 'the roles as packaged',
    mutateRoles: undefined,
    expected: 'Succeeded',
  },
  {
    name: 'DescribeUpdate granted on node groups only',
    mutateRoles: scaleCheckDescribeUpdate(() => 'arn:aws:eks:us-east-1:000000000000:nodegroup/*/*/*'),
    expected: 'Failed',
  },
  {
    name: 'DescribeUpdate removed',
    mutateRoles: scaleCheckDescribeUpdate(() => undefined),
    expected: 'Failed',
  },
])('scaling a node group through the AWS gate, $name', ({ mutateRoles, expected }) => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime({ mutateRoles });
  }, 120000);
  afterAll(async () => runtime?.close());

  it(`ends ${expected}`, async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 5, desiredSize: 1, updateSeconds: 1 });

    // Act
    const operation = await scaleOnce(runtime, ng);

    // Assess
    expect(operation.status).toBe(expected);
    if (expected === 'Failed') {
      const text = JSON.stringify(operation);
      expect(text).toContain(DESCRIBE_UPDATE);
      expect(text).toMatch(/AccessDenied/);
      expect(text).toContain('assumed-role/eksflow-dev-us-east-1-scaleCheck/scaleCheck');
    }
  });
});
