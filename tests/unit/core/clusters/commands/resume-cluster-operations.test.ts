import type { ClusterDeps } from '../../../../../core/clusters/cluster-deps';
import {
  ABANDONED_RUN_GRACE_SECONDS,
  resumeClusterOperations,
} from '../../../../../core/clusters/commands/resume-cluster-operations';
import { retryOperation } from '../../../../../core/clusters/commands/retry-operation';
import { newOperation } from '../../../../../core/operations/domain/operation';
import { MemoryOperationStore } from '../../../../fakes/memory-operation-store';
import { FakeWorkflowStarter, fixedClock } from '../../../../helpers/fakes';

const T0 = '2026-01-01T00:00:00.000Z';
const input = { operationId: 'op-1', spec: { name: 'prod' }, components: [], waitSeconds: 2, resumeFrom: 'X' };

async function world(options: { kind?: string; runStarted?: boolean } = {}) {
  const operations = new MemoryOperationStore();
  const workflows = new FakeWorkflowStarter();
  const clock = fixedClock(T0);
  const warnings: unknown[] = [];
  const kind = options.kind ?? 'ProvisionCluster';
  const lock = kind === 'ScaleNodegroup' ? 'nodegroup:prod/ng' : 'cluster:prod';
  await operations.create({ ...newOperation('op-1', kind, 'prod', clock.now()), lock, runs: 1, input });
  const workflow = kind === 'DeleteCluster' ? 'delete-cluster' : 'provision-cluster';
  if (options.runStarted !== false) await workflows.start(workflow, 'op-1', input);
  const logger = { warn: (...args: unknown[]) => warnings.push(args) };
  const deps = { operations, workflows, now: clock.now, logger } as unknown as ClusterDeps & { logger: never };
  return { deps, operations, workflows, clock, warnings };
}

describe('resumeClusterOperations (the sweep)', () => {
  it('leaves a provisioning whose run is running', async () => {
    // Prepare
    const { deps, workflows } = await world();

    // Act
    const outcome = await resumeClusterOperations(deps);

    // Assess
    expect(outcome).toEqual({ checked: 1, resumed: [] });
    expect(workflows.started).toHaveLength(1);
  });

  it('resumes at once a Running provisioning whose run has ended, from its first unrecorded step, as run 2', async () => {
    // Prepare
    const { deps, workflows, operations } = await world();
    workflows.end('op-1');

    // Act
    const outcome = await resumeClusterOperations(deps);

    // Assess
    expect(outcome.resumed).toEqual(['op-1']);
    expect(workflows.started.at(-1)).toMatchObject({
      workflow: 'provision-cluster',
      executionName: 'op-1-run-2',
      input: { resumeFrom: 'RequestControlPlane' },
    });
    expect((await operations.get('op-1'))?.runs).toBe(2);
  });

  it('leaves a run never found within the grace (it may be starting), and resumes it after', async () => {
    // Prepare
    const { deps, workflows, clock } = await world({ runStarted: false });

    // Act
    const early = await resumeClusterOperations(deps);
    clock.advance(ABANDONED_RUN_GRACE_SECONDS * 1000);
    const late = await resumeClusterOperations(deps);

    // Assess
    expect(early.resumed).toEqual([]);
    expect(late.resumed).toEqual(['op-1']);
    expect(workflows.started.map((s) => s.executionName)).toEqual(['op-1-run-2']);
  });

  it('resumes a deletion with the delete workflow', async () => {
    // Prepare
    const { deps, workflows } = await world({ kind: 'DeleteCluster' });
    workflows.end('op-1');

    // Act
    await resumeClusterOperations(deps);

    // Assess
    expect(workflows.started.at(-1)).toMatchObject({ workflow: 'delete-cluster', executionName: 'op-1-run-2' });
  });

  it('a second sweep, or a retry after it, starts no second run', async () => {
    // Prepare
    const { deps, workflows } = await world();
    workflows.end('op-1');

    // Act
    await resumeClusterOperations(deps);
    const again = await resumeClusterOperations(deps);
    const retry = retryOperation(deps, 'op-1');

    // Assess
    expect(again.resumed).toEqual([]);
    await expect(retry).rejects.toMatchObject({ name: 'ConflictError' });
    expect(workflows.started.map((s) => s.executionName)).toEqual(['op-1', 'op-1-run-2']);
  });

  it("ignores other areas' locks (a node-group change is the scaling sweep's)", async () => {
    // Prepare
    const { deps, workflows } = await world({ kind: 'ScaleNodegroup' });
    workflows.end('op-1');

    // Act
    const outcome = await resumeClusterOperations(deps);

    // Assess
    expect(outcome).toEqual({ checked: 0, resumed: [] });
  });

  it('a run that cannot start is logged, the operation marked failed, and the sweep goes on', async () => {
    // Prepare
    const { deps, workflows, operations, warnings } = await world();
    workflows.end('op-1');
    workflows.failWith = new Error('throttled');

    // Act
    const outcome = await resumeClusterOperations(deps);

    // Assess
    expect(outcome.resumed).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect((await operations.get('op-1'))?.error?.code).toBe('WorkflowStartFailed');
  });
});
