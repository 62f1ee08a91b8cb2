import { MemoryOperationStore } from '../../../../shared/adapters/local/memory-operation-store';
import { ConflictError, ValidationError } from '../../../../shared/errors';
import { startProvisionCluster, type ProvisionClusterDeps } from '../../../../shared/use-cases/provision-cluster';
import { FakeClusterApi, FakeWorkflowStarter, fixedClock } from '../../../helpers/fakes';

const roleArn = 'arn:aws:iam::123456789012:role/eks-cluster';

function setup() {
  const clock = fixedClock('2026-01-02T03:04:05.000Z');
  const deps = {
    clusters: new FakeClusterApi(),
    operations: new MemoryOperationStore(),
    workflows: new FakeWorkflowStarter(),
    clusterDefaults: { roleArn, subnetIds: ['subnet-1', 'subnet-2'] },
    clusterPollSeconds: 30,
    now: clock.now,
    newId: () => 'op-1',
  } satisfies ProvisionClusterDeps;
  return deps;
}

describe('startProvisionCluster', () => {
  it('records a Running operation, starts the workflow named after it, and answers CREATING', async () => {
    // Prepare
    const deps = setup();

    // Act
    const result = await startProvisionCluster(deps, { name: 'prod-eu', namespaces: ['team-a'] });

    // Assess
    expect(result).toEqual({ operationId: 'op-1', cluster: { name: 'prod-eu', status: 'CREATING' } });
    expect(await deps.operations.get('op-1')).toMatchObject({
      id: 'op-1',
      kind: 'ProvisionCluster',
      cluster: 'prod-eu',
      status: 'Running',
      createdAt: '2026-01-02T03:04:05.000Z',
    });
    expect(deps.workflows.started).toEqual([
      {
        workflow: 'provision-cluster',
        executionName: 'op-1',
        input: {
          operationId: 'op-1',
          waitSeconds: 30,
          spec: expect.objectContaining({
            name: 'prod-eu',
            roleArn,
            subnetIds: ['subnet-1', 'subnet-2'],
            namespaces: ['team-a'],
          }),
        },
      },
    ]);
    expect(deps.clusters.created).toEqual([]); // nothing is created in AWS here
  });

  it('refuses a roleArn other than the configured cluster role with a 400 naming `roleArn`, starting nothing', async () => {
    // Prepare
    const deps = setup();
    const other = 'arn:aws:iam::123456789012:role/admin';

    // Act
    const refused = startProvisionCluster(deps, { name: 'prod-eu', roleArn: other });

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({
      status: 400,
      details: [{ field: 'roleArn', reason: expect.stringContaining(roleArn) }],
    });
    expect(deps.workflows.started).toEqual([]);
    expect(await deps.operations.get('op-1')).toBeUndefined();
  });

  it('accepts the configured cluster role named explicitly', async () => {
    // Act / Assess
    await expect(startProvisionCluster(setup(), { name: 'prod-eu', roleArn })).resolves.toMatchObject({
      operationId: 'op-1',
    });
  });

  it('refuses a name already taken with a 409 naming `name`, starting nothing', async () => {
    // Prepare
    const deps = setup();
    deps.clusters.add('prod-eu', 'ACTIVE');

    // Act
    const error = await startProvisionCluster(deps, { name: 'prod-eu' }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).status).toBe(409);
    expect((error as ConflictError).details).toEqual([{ field: 'name', reason: expect.any(String) }]);
    expect(deps.workflows.started).toEqual([]);
    expect(await deps.operations.get('op-1')).toBeUndefined();
  });

  it.each([
    { what: 'a bad name', body: { name: '-x' } },
    { what: 'an unknown field', body: { name: 'prod-eu', nodes: 3 } },
    { what: 'an array body', body: [] },
  ])('starts nothing and records nothing on invalid input ($what)', async ({ body }) => {
    // Prepare
    const deps = setup();
    const describe = jest.spyOn(deps.clusters, 'describeCluster');

    // Act
    const error = await startProvisionCluster(deps, body).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(describe).not.toHaveBeenCalled();
    expect(deps.workflows.started).toEqual([]);
    expect(await deps.operations.get('op-1')).toBeUndefined();
  });

  it('marks the operation Failed (WorkflowStartFailed) and rethrows when the workflow cannot start', async () => {
    // Prepare
    const deps = setup();
    const startError = new Error('StateMachineDoesNotExist');
    deps.workflows.failWith = startError;

    // Act
    const error = await startProvisionCluster(deps, { name: 'prod-eu' }).catch((e: unknown) => e);

    // Assess
    expect(error).toBe(startError);
    expect(await deps.operations.get('op-1')).toMatchObject({
      status: 'Failed',
      error: { code: 'WorkflowStartFailed', message: 'StateMachineDoesNotExist' },
      version: 1,
    });
  });
});
