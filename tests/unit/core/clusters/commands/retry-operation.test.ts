import type { ClusterDeps } from '../../../../../core/clusters/cluster-deps';
import { retryOperation } from '../../../../../core/clusters/commands/retry-operation';
import { finished, newOperation, type Operation, withStep } from '../../../../../core/operations/domain/operation';
import { MemoryOperationStore } from '../../../../fakes/memory-operation-store';
import { FakeWorkflowStarter } from '../../../../helpers/fakes';

const t0 = new Date('2026-01-01T00:00:00Z');
const input = { operationId: 'op-1', spec: { name: 'prod' }, components: [], waitSeconds: 2, resumeFrom: 'X' };

async function world(change: (op: Operation) => Operation) {
  const operations = new MemoryOperationStore();
  const workflows = new FakeWorkflowStarter();
  const created = { ...newOperation('op-1', 'ProvisionCluster', 'prod', t0), lock: 'cluster:prod', runs: 1, input };
  await operations.create(created);
  await operations.update('op-1', change);
  await workflows.start('provision-cluster', 'op-1', input);
  const deps = { operations, workflows, now: () => t0 } as unknown as ClusterDeps;
  return { deps, operations, workflows };
}

const step = (name: string) => ({ name, at: t0.toISOString() });

describe('retryOperation', () => {
  it('a failed provisioning resumes at its failed step, as run 2', async () => {
    // Prepare
    const { deps, workflows, operations } = await world((op) =>
      finished(
        withStep(op, step('ControlPlaneRequested')),
        { error: { code: 'E', message: 'm', step: 'CheckControlPlane' } },
        t0,
      ),
    );
    workflows.end('op-1');

    // Act
    const answer = await retryOperation(deps, 'op-1');

    // Assess
    expect(answer).toEqual({ operationId: 'op-1', status: 'Running', resumeFrom: 'CheckControlPlane', run: 2 });
    expect(workflows.started.at(-1)).toMatchObject({
      executionName: 'op-1-run-2',
      input: { resumeFrom: 'CheckControlPlane' },
    });
    expect((await operations.get('op-1'))?.error).toBeUndefined();
  });

  it('a rolled-back provisioning starts over, its steps and creations forgotten', async () => {
    // Prepare
    const { deps, workflows, operations } = await world((op) => ({
      ...finished(withStep(op, step('RolledBack')), { error: { code: 'E', message: 'm', step: 'ApplyBaseline' } }, t0),
      rolledBack: true,
      created: [{ type: 'controlPlane', name: 'prod' }],
    }));
    workflows.end('op-1');

    // Act
    const answer = await retryOperation(deps, 'op-1');

    // Assess
    expect(answer.resumeFrom).toBe('start');
    expect(workflows.started.at(-1)?.input).toMatchObject({ resumeFrom: 'RequestControlPlane' });
    expect(await operations.get('op-1')).toMatchObject({ steps: [], created: [], status: 'Running' });
  });

  it('an operation still running with its run alive, or one that succeeded, is a 409; nothing starts', async () => {
    // Prepare
    const running = await world((op) => withStep(op, step('ControlPlaneRequested')));
    const succeeded = await world((op) => finished(op, {}, t0));

    // Act
    const refusedRunning = await retryOperation(running.deps, 'op-1').catch((error: unknown) => error);
    const refusedSucceeded = await retryOperation(succeeded.deps, 'op-1').catch((error: unknown) => error);

    // Assess
    expect(refusedRunning).toMatchObject({ status: 409 });
    expect(refusedSucceeded).toMatchObject({ status: 409 });
    expect(running.workflows.started).toHaveLength(1);
    expect(succeeded.workflows.started).toHaveLength(1);
  });

  it('an abandoned operation (Running, its run gone) resumes at the first step it did not record', async () => {
    // Prepare
    const { deps, workflows } = await world((op) =>
      withStep(withStep(op, step('ControlPlaneRequested')), step('ControlPlaneActive')),
    );
    workflows.end('op-1');

    // Act
    const answer = await retryOperation(deps, 'op-1');

    // Assess
    expect(answer.resumeFrom).toBe('NodegroupsAndAddons');
  });

  it('an unknown operation is a 404', async () => {
    // Prepare
    const { deps } = await world((op) => op);

    // Act / Assess
    await expect(retryOperation(deps, 'nope')).rejects.toMatchObject({ status: 404 });
  });
});
