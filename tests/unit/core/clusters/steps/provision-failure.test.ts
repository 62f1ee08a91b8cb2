import type { ClusterDeps } from '../../../../../core/clusters/cluster-deps';
import type { ClusterApi } from '../../../../../core/clusters/ports/cluster-api';
import {
  type FailureInput,
  finishFailed,
  recordFailure,
} from '../../../../../core/clusters/steps/provision-cluster-steps';
import { newOperation, withCreated } from '../../../../../core/operations/domain/operation';
import { MemoryOperationStore } from '../../../../fakes/memory-operation-store';

/** A new cluster that exists, with nothing else in it: what RecordFailure observes. */
const clusters = {
  describeCluster: async () => ({ name: 'prod-eu', status: 'ACTIVE', tags: {} }),
  listNodegroups: async () => [],
  listAddons: async () => [],
  listAccessEntries: async () => [],
} as unknown as ClusterApi;

async function deps() {
  const operations = new MemoryOperationStore();
  const now = new Date('2026-01-01T00:00:00Z');
  await operations.create(
    withCreated(newOperation('op-1', 'ProvisionCluster', 'prod-eu', now), { type: 'controlPlane', name: 'prod-eu' }),
  );
  return { clusters, operations, now: () => now, clusterPollSeconds: 30 } as unknown as ClusterDeps;
}

const input = (extra: Partial<FailureInput>): FailureInput =>
  ({
    operationId: 'op-1',
    spec: { name: 'prod-eu', onFailure: 'rollback', namespaces: [], access: [] },
    components: [],
    ...extra,
  }) as unknown as FailureInput;

describe('a provisioning failure', () => {
  it('rolls back what it created after a definite failure', async () => {
    // Act
    const answer = await recordFailure(
      await deps(),
      input({ error: { Error: 'DependencyError', Cause: 'nodegroup general is CREATE_FAILED' } }),
    );

    // Assess
    expect(answer).toEqual({ rollback: true });
  });

  it('never rolls back after an undecided one (a transient error whose retries ran out): the cluster stays', async () => {
    // Prepare
    const d = await deps();

    // Act
    const answer = await recordFailure(
      d,
      input({ undecided: true, error: { Error: 'TransientError', Cause: 'connect ETIMEDOUT 10.0.1.5:443' } }),
    );

    // Assess
    expect(answer).toEqual({ rollback: false });
    expect((await d.operations.get('op-1'))?.error).toMatchObject({ code: 'TransientError' });
  });

  it("names the rollback's cap when it stopped the rollback, keeping the step's error", async () => {
    // Prepare
    const d = await deps();
    await recordFailure(d, input({ error: { Error: 'DependencyError', Cause: 'addon vpc-cni is CREATE_FAILED' } }));

    // Act
    await finishFailed(
      d,
      input({
        failure: { rollback: true },
        error: {
          Error: 'AttemptCapReached',
          Cause: 'the rollback has not finished after 120 checks (attempt cap 120)',
        },
      }),
    );

    // Assess
    const op = await d.operations.get('op-1');
    expect(op?.status).toBe('Failed');
    expect(op?.error).toMatchObject({ code: 'DependencyError' });
    expect(op?.error?.message).toContain('addon vpc-cni is CREATE_FAILED; rollback stopped:');
    expect(op?.error?.message).toContain('attempt cap 120');
  });
});
