import type { ClusterDeps } from '../../../../../core/clusters/cluster-deps';
import { startDeleteCluster } from '../../../../../core/clusters/commands/delete-cluster';
import type { ClusterInfo } from '../../../../../core/clusters/domain/cluster';
import type { ClusterApi } from '../../../../../core/clusters/ports/cluster-api';
import { newOperation } from '../../../../../core/operations/domain/operation';
import { MemoryOperationStore } from '../../../../fakes/memory-operation-store';
import { FakeWorkflowStarter } from '../../../../helpers/fakes';

const managed: ClusterInfo = { name: 'prod', status: 'ACTIVE', tags: { 'eksflow:managed': 'true' } };

/** A cluster with nothing in it, as EKS would list it; only what DELETE reads. */
function clustersWith(cluster: ClusterInfo | undefined): ClusterApi {
  return {
    describeCluster: async () => cluster,
    listNodegroups: async () => [],
    listAddons: async () => [],
    listAccessEntries: async () => [],
  } as unknown as ClusterApi;
}

function deps(overrides: Partial<ClusterDeps> = {}) {
  const workflows = new FakeWorkflowStarter();
  const d = {
    clusters: clustersWith(managed),
    operations: new MemoryOperationStore(),
    workflows,
    rollouts: { listActive: async () => [] },
    now: () => new Date('2026-01-01T00:00:00Z'),
    clusterDefaults: {},
    clusterPollSeconds: 30,
    newId: () => 'op-del',
    ...overrides,
  } as unknown as ClusterDeps;
  return { d, workflows };
}

describe('startDeleteCluster', () => {
  it('starts the delete workflow for a managed cluster', async () => {
    // Prepare
    const { d, workflows } = deps();

    // Act
    const answer = await startDeleteCluster(d, 'prod');

    // Assess
    expect(answer).toEqual({
      status: 202,
      body: { operationId: 'op-del', plan: [{ resource: 'controlPlane', name: 'prod', action: 'delete' }] },
    });
    expect(workflows.started.map((s) => s.workflow)).toEqual(['delete-cluster']);
  });

  it('409 naming the active rollout; force deletes anyway', async () => {
    // Prepare
    const rollouts = { listActive: async () => [{ id: 'ro-1', cluster: 'prod', status: 'Paused' }] };
    const { d, workflows } = deps({ rollouts: rollouts as never });

    // Act
    const refused = await startDeleteCluster(d, 'prod').catch((error: unknown) => error);
    const forced = await startDeleteCluster(d, 'prod', { force: true });

    // Assess
    expect(refused).toMatchObject({ status: 409, details: [{ field: 'rolloutId' }] });
    expect(forced.status).toBe(202);
    expect(workflows.started).toHaveLength(1);
  });

  it('409 naming a running scaling operation on the cluster', async () => {
    // Prepare
    const { d, workflows } = deps();
    await d.operations.create(newOperation('op-scale', 'ScaleNodegroup', 'prod', new Date()));

    // Act
    const refused = await startDeleteCluster(d, 'prod').catch((error: unknown) => error);

    // Assess
    expect(refused).toMatchObject({ status: 409, message: expect.stringContaining('op-scale') });
    expect(workflows.started).toHaveLength(0);
  });

  it('a dry run answers the plan and starts nothing; an unknown cluster is a 404; a foreign one a 409', async () => {
    // Prepare
    const { d, workflows } = deps();

    // Act
    const dry = await startDeleteCluster(d, 'prod', { dryRun: true });
    const unknown = await startDeleteCluster({ ...d, clusters: clustersWith(undefined) }, 'nope').catch((e) => e);
    const foreign = await startDeleteCluster({ ...d, clusters: clustersWith({ ...managed, tags: {} }) }, 'prod').catch(
      (e) => e,
    );

    // Assess
    expect(dry.status).toBe(200);
    expect(unknown).toMatchObject({ status: 404 });
    expect(foreign).toMatchObject({ status: 409, details: [{ field: 'name' }] });
    expect(workflows.started).toHaveLength(0);
  });
});
