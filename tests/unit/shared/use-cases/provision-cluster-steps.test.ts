import { MemoryOperationStore } from '../../../../shared/adapters/local/memory-operation-store';
import { OPERATION_TAG, type ClusterSpec } from '../../../../shared/domain/cluster';
import { newOperation } from '../../../../shared/domain/operation';
import { DependencyError } from '../../../../shared/errors';
import type { ProvisionClusterInput } from '../../../../shared/use-cases/provision-cluster';
import {
  applyBaseline,
  checkControlPlane,
  completeProvisioning,
  failProvisioning,
  requestControlPlane,
  type ProvisionStepDeps,
} from '../../../../shared/use-cases/provision-cluster-steps';
import { FakeClusterApi, FakeClusterBaseline, fixedClock } from '../../../helpers/fakes';

const spec: ClusterSpec = {
  name: 'prod-eu',
  roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
  subnetIds: ['subnet-1', 'subnet-2'],
  securityGroupIds: [],
  endpointPublicAccess: true,
  publicAccessCidrs: ['203.0.113.0/24'],
  endpointPrivateAccess: true,
  logging: ['api', 'audit', 'authenticator'],
  namespaces: ['team-a', 'eksflow-system', 'team-b'],
  tags: {},
};
const input: ProvisionClusterInput = { operationId: 'op-1', spec, waitSeconds: 30 };

async function setup() {
  const clock = fixedClock('2026-01-02T03:04:05.000Z');
  const deps = {
    clusters: new FakeClusterApi(),
    baseline: new FakeClusterBaseline(),
    operations: new MemoryOperationStore(),
    now: clock.now,
  } satisfies ProvisionStepDeps;
  await deps.operations.create(newOperation('op-1', 'ProvisionCluster', 'prod-eu', clock.now()));
  return { deps, clock };
}

async function stepNames(deps: ProvisionStepDeps) {
  return (await deps.operations.get('op-1'))!.steps.map((s) => s.name);
}

describe('requestControlPlane', () => {
  it('creates the cluster once and records the step once when run twice', async () => {
    // Prepare
    const { deps } = await setup();

    // Act
    await requestControlPlane(deps, input);
    await requestControlPlane(deps, input);

    // Assess
    expect(deps.clusters.created).toEqual([{ spec, operationId: 'op-1' }]);
    expect(await stepNames(deps)).toEqual(['ControlPlaneRequested']);
  });
});

describe('checkControlPlane', () => {
  it.each([
    // waitSeconds in → next wait out (doubles, at least 1, at most 120)
    { status: 'CREATING', waitIn: 30, waitOut: 60 },
    { status: 'CREATING', waitIn: 60, waitOut: 120 },
    { status: 'CREATING', waitIn: 100, waitOut: 120 },
    { status: 'CREATING', waitIn: 0, waitOut: 1 },
    { status: 'ACTIVE', waitIn: 30, waitOut: 60 },
  ] as const)('$status with waitSeconds $waitIn → waitSeconds $waitOut', async ({ status, waitIn, waitOut }) => {
    // Prepare
    const { deps } = await setup();
    deps.clusters.add('prod-eu', status, { [OPERATION_TAG]: 'op-1' });

    // Act
    const check = await checkControlPlane(deps, { ...input, waitSeconds: waitIn });

    // Assess
    expect(check).toEqual({ clusterStatus: status, waitSeconds: waitOut });
  });

  it('records ControlPlaneActive once, only when ACTIVE', async () => {
    // Prepare
    const { deps } = await setup();
    deps.clusters.add('prod-eu', 'CREATING', { [OPERATION_TAG]: 'op-1' });

    // Act
    await checkControlPlane(deps, input);
    const afterCreating = await stepNames(deps);
    deps.clusters.add('prod-eu', 'ACTIVE', { [OPERATION_TAG]: 'op-1' });
    await checkControlPlane(deps, input);
    await checkControlPlane(deps, input);

    // Assess
    expect(afterCreating).toEqual([]);
    expect(await stepNames(deps)).toEqual(['ControlPlaneActive']);
  });

  it.each(['FAILED', 'DELETING'] as const)('throws DependencyError when the cluster goes to %s', async (status) => {
    // Prepare
    const { deps } = await setup();
    deps.clusters.add('prod-eu', status);

    // Act / Assess
    await expect(checkControlPlane(deps, input)).rejects.toMatchObject({
      name: 'DependencyError',
      message: expect.stringContaining(status),
    });
  });

  it('throws DependencyError when the cluster disappeared', async () => {
    // Prepare
    const { deps } = await setup();

    // Act / Assess
    await expect(checkControlPlane(deps, input)).rejects.toBeInstanceOf(DependencyError);
  });
});

describe('applyBaseline', () => {
  it('ensures eksflow-system first then each namespace once, and records the step once when run twice', async () => {
    // Prepare
    const { deps } = await setup();

    // Act
    await applyBaseline(deps, input);
    await applyBaseline(deps, input);

    // Assess
    expect(deps.baseline.calls.slice(0, 3).map((c) => c.name)).toEqual(['eksflow-system', 'team-a', 'team-b']);
    expect([...deps.baseline.namespaces.get('prod-eu')!.keys()]).toEqual(['eksflow-system', 'team-a', 'team-b']);
    expect(deps.baseline.namespaces.get('prod-eu')!.get('team-a')).toEqual({
      'app.kubernetes.io/managed-by': 'eksflow',
    });
    const op = (await deps.operations.get('op-1'))!;
    expect(op.steps).toEqual([
      { name: 'BaselineApplied', at: '2026-01-02T03:04:05.000Z', detail: 'namespaces: eksflow-system, team-a, team-b' },
    ]);
  });
});

describe('completeProvisioning', () => {
  it('records Completed and ends the operation Succeeded; a second run changes nothing', async () => {
    // Prepare
    const { deps, clock } = await setup();

    // Act
    await completeProvisioning(deps, input);
    const first = await deps.operations.get('op-1');
    clock.advance(60_000);
    await completeProvisioning(deps, input);

    // Assess
    const op = (await deps.operations.get('op-1'))!;
    expect(op.status).toBe('Succeeded');
    expect(op.steps.map((s) => s.name)).toEqual(['Completed']);
    expect(op).toEqual(first);
  });
});

describe('failProvisioning', () => {
  it('deletes a cluster tagged with this operation, records RolledBack, ends Failed with the caught error', async () => {
    // Prepare
    const { deps } = await setup();
    deps.clusters.add('prod-eu', 'CREATING', { [OPERATION_TAG]: 'op-1' });

    // Act
    await failProvisioning(deps, {
      ...input,
      error: {
        Error: 'DependencyError',
        Cause: '{"errorMessage":"cluster went to FAILED","errorType":"DependencyError"}',
      },
    });

    // Assess
    expect(deps.clusters.deleted).toEqual(['prod-eu']);
    const op = (await deps.operations.get('op-1'))!;
    expect(op.steps.map((s) => s.name)).toEqual(['RolledBack']);
    expect(op.status).toBe('Failed');
    expect(op.error).toEqual({ code: 'DependencyError', message: 'cluster went to FAILED' });
  });

  it.each([
    { what: 'another operation', tags: { [OPERATION_TAG]: 'op-other' } as Record<string, string> },
    { what: 'nobody in eksflow', tags: {} as Record<string, string> },
  ])('leaves alone a cluster created by $what, but still ends the operation Failed', async ({ tags }) => {
    // Prepare
    const { deps } = await setup();
    deps.clusters.add('prod-eu', 'ACTIVE', tags);

    // Act
    await failProvisioning(deps, {
      ...input,
      error: { Error: 'ConflictError', Cause: 'cluster prod-eu already exists' },
    });

    // Assess
    expect(deps.clusters.deleted).toEqual([]);
    expect(deps.clusters.clusters.has('prod-eu')).toBe(true);
    const op = (await deps.operations.get('op-1'))!;
    expect(op.steps).toEqual([]);
    expect(op).toMatchObject({
      status: 'Failed',
      error: { code: 'ConflictError', message: 'cluster prod-eu already exists' },
    });
  });

  it.each([
    { error: undefined, code: 'Error', message: 'unknown error' },
    { error: { Error: 'States.Timeout' }, code: 'States.Timeout', message: 'States.Timeout' },
    {
      error: { Error: 'TransientError', Cause: 'plain text cause' },
      code: 'TransientError',
      message: 'plain text cause',
    },
    { error: { Error: 'X', Cause: '{"other":1}' }, code: 'X', message: '{"other":1}' },
  ])('records error $code / "$message" from the caught error', async ({ error, code, message }) => {
    // Prepare
    const { deps } = await setup();

    // Act
    await failProvisioning(deps, { ...input, error });

    // Assess
    expect((await deps.operations.get('op-1'))!.error).toEqual({ code, message });
  });

  it('is safe to run twice: deletes once, keeps the first error', async () => {
    // Prepare
    const { deps } = await setup();
    deps.clusters.add('prod-eu', 'CREATING', { [OPERATION_TAG]: 'op-1' });

    // Act
    await failProvisioning(deps, { ...input, error: { Error: 'First' } });
    await failProvisioning(deps, { ...input, error: { Error: 'Second' } });

    // Assess
    expect(deps.clusters.deleted).toEqual(['prod-eu']);
    const op = (await deps.operations.get('op-1'))!;
    expect(op.error?.code).toBe('First');
    expect(op.steps.map((s) => s.name)).toEqual(['RolledBack']);
  });
});

describe('Kubernetes access for eksflow (issue 8, item 4)', () => {
  const kubeAccess = {
    baselinePrincipalArn: 'arn:aws:iam::123456789012:role/eksflow-dev-us-east-1-provisionApplyBaseline',
    rolloutPrincipalArns: [
      'arn:aws:iam::123456789012:role/eksflow-dev-us-east-1-api',
      'arn:aws:iam::123456789012:role/eksflow-dev-us-east-1-rolloutReconcile',
    ],
  };

  it('creates the cluster without the creator as admin when eksflow grants access itself', async () => {
    // Prepare
    const { deps } = await setup();

    // Act
    await requestControlPlane({ ...deps, kubeAccess }, input);

    // Assess
    expect(deps.clusters.createOptions).toEqual([{ creatorIsAdmin: false }]);
  });

  it('grants the baseline role admin, the rollout roles the eksflow group, bound in the spec namespaces only', async () => {
    // Prepare
    const { deps } = await setup();

    // Act
    await applyBaseline({ ...deps, kubeAccess }, input);

    // Assess
    expect(deps.clusters.grants).toEqual([
      { cluster: 'prod-eu', grant: { principalArn: kubeAccess.baselinePrincipalArn, clusterAdmin: true } },
      {
        cluster: 'prod-eu',
        grant: { principalArn: kubeAccess.rolloutPrincipalArns[0], kubernetesGroups: ['eksflow'] },
      },
      {
        cluster: 'prod-eu',
        grant: { principalArn: kubeAccess.rolloutPrincipalArns[1], kubernetesGroups: ['eksflow'] },
      },
    ]);
    expect(deps.baseline.rolloutAccess).toEqual([
      { cluster: 'prod-eu', group: 'eksflow', namespaces: ['team-a', 'team-b'] },
    ]);
  });

  it('keeps the creator as admin and grants nothing when no eksflow roles are configured (the sandbox)', async () => {
    // Prepare
    const { deps } = await setup();

    // Act
    await requestControlPlane(deps, input);
    await applyBaseline(deps, input);

    // Assess
    expect(deps.clusters.createOptions).toEqual([undefined]);
    expect(deps.clusters.grants).toEqual([]);
    expect(deps.baseline.rolloutAccess).toEqual([]);
  });
});
