import type { ClusterDeps } from '../../../../../core/clusters/cluster-deps';
import type { ProvisionClusterInput } from '../../../../../core/clusters/commands/provision-cluster';
import type { ClusterBaseline } from '../../../../../core/clusters/ports/kube';
import { ACCESS_PROPAGATION_SECONDS, applyBaseline } from '../../../../../core/clusters/steps/provision-cluster-steps';
import { ClusterAccessError, TransientError } from '../../../../../core/kernel/errors';
import { newOperation, withStep } from '../../../../../core/operations/domain/operation';
import { MemoryOperationStore } from '../../../../fakes/memory-operation-store';

const granted = new Date('2026-01-01T00:00:00Z');
const refusal = new ClusterAccessError(
  'cluster prod refused arn:aws:iam::111122223333:role/eksflow-dev-us-east-1-provisionApplyBaseline: no EKS access entry',
  { kubernetesStatus: 401, details: [{ field: 'cluster', reason: 'no EKS access entry' }] },
);
const input = {
  operationId: 'op-1',
  spec: { name: 'prod', namespaces: [] },
  components: [],
} as unknown as ProvisionClusterInput;

/** A provisioning whose access entries were granted at `granted`, and a cluster that refuses eksflow's baseline. */
async function world(secondsAfterGrant: number, accessApplied = true) {
  const operations = new MemoryOperationStore();
  await operations.create(newOperation('op-1', 'ProvisionCluster', 'prod', granted));
  if (accessApplied)
    await operations.update('op-1', (op) => withStep(op, { name: 'AccessApplied', at: granted.toISOString() }));
  const baseline = { ensureNamespace: jest.fn(async () => Promise.reject(refusal)) } as unknown as ClusterBaseline;
  const now = () => new Date(granted.getTime() + secondsAfterGrant * 1000);
  return { operations, baseline, now } as unknown as ClusterDeps;
}

describe('applyBaseline: a cluster refusing eksflow just after eksflow granted its access entries', () => {
  it('is retried (TransientError, still naming the principal and cluster) while EKS may be applying the entries', async () => {
    // Prepare
    const deps = await world(5);

    // Act
    const error = await applyBaseline(deps, input).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain(refusal.message);
    expect((error as Error).message).toContain('5 s ago');
  });

  it.each([
    ['once the propagation window has passed', ACCESS_PROPAGATION_SECONDS, true],
    ['when this operation granted no access entries', 5, false],
  ])('fails with the ClusterAccessError naming the entry %s', async (_when, seconds, accessApplied) => {
    // Prepare
    const deps = await world(seconds, accessApplied);

    // Act
    const error = await applyBaseline(deps, input).catch((e: unknown) => e);

    // Assess
    expect(error).toBe(refusal);
  });
});
