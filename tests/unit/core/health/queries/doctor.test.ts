import type { ClusterInfo } from '../../../../../core/clusters/domain/cluster';
import { type KubePermission, KubeTokenRefused } from '../../../../../core/health/ports/doctor';
import { type DoctorDeps, doctorClusters, runDoctor } from '../../../../../core/health/queries/doctor';

const ROLE = 'arn:aws:iam::000000000000:role/eksflow-dev-us-east-1-api';
const SESSION = 'arn:aws:sts::000000000000:assumed-role/eksflow-dev-us-east-1-api/api';

const cluster = (name: string, extra: Partial<ClusterInfo> = {}): ClusterInfo => ({
  name,
  status: 'ACTIVE',
  version: '1.33',
  endpoint: `https://${name}.example:443`,
  caData: 'Y2E=',
  tags: { 'eksflow:managed': 'true' },
  ...extra,
});

/** A world where everything passes; each test breaks one part. */
function world(overrides: Partial<DoctorDeps> = {}) {
  const clusters: Record<string, ClusterInfo> = { prod: cluster('prod') };
  const reviewed: KubePermission[][] = [];
  const deps: DoctorDeps = {
    clusters: {
      describeCluster: async (name) => clusters[name],
      listClusters: async () => Object.keys(clusters),
      listAccessEntries: async () => [ROLE],
    },
    rollouts: {
      listActive: async () => [{ cluster: 'prod', namespace: 'team-a', alarms: ['web-5xx'] }] as never,
    },
    scaling: { allPolicies: async () => [{ cluster: 'prod', alarm: 'cpu-high' }] as never },
    alarms: { states: async (names) => Object.fromEntries(names.map((n) => [n, 'OK'])) as never },
    reach: { reach: async () => undefined },
    identity: { callerArn: async () => SESSION },
    kubeReview: {
      review: async (_c, permissions) => {
        reviewed.push(permissions);
        return permissions.map(() => ({ allowed: true }));
      },
    },
    configuredToken: () => false,
    ...overrides,
  };
  return { deps, clusters, reviewed };
}

const lineOf = (report: Awaited<ReturnType<typeof runDoctor>>, check: string) =>
  report.clusters[0]?.checks.find((l) => l.check === check);

describe('runDoctor', () => {
  it('passes every check, one line each in a fixed order, and asks about rollout verbs in the rollouts’ namespaces', async () => {
    // Prepare
    const { deps, reviewed } = world();

    // Act
    const report = await runDoctor(deps, ['prod']);

    // Assess
    expect(report.ok).toBe(true);
    expect(report.clusters[0]?.checks.map((l) => [l.check, l.status])).toEqual([
      ['describe-cluster', 'pass'],
      ['endpoint-reach', 'pass'],
      ['token', 'pass'],
      ['access-entry', 'pass'],
      ['kube-verbs', 'pass'],
      ['alarms', 'pass'],
    ]);
    expect(reviewed[0]).toEqual(
      expect.arrayContaining([
        { group: '', resource: 'nodes', verb: 'list' },
        { group: 'apps', resource: 'deployments', verb: 'patch', namespace: 'team-a' },
      ]),
    );
  });

  it('fails reach on a private endpoint with the VPC fix, and skips what needs the endpoint', async () => {
    // Prepare
    const { deps, clusters } = world({
      reach: { reach: async () => Promise.reject(new Error('connect timed out after 3000 ms')) },
    });
    clusters.prod = cluster('prod', { endpointPublicAccess: false });

    // Act
    const report = await runDoctor(deps, ['prod']);

    // Assess
    expect(report.ok).toBe(false);
    expect(lineOf(report, 'endpoint-reach')).toMatchObject({
      status: 'fail',
      detail: 'cannot reach https://prod.example:443: connect timed out after 3000 ms',
      fix: expect.stringMatching(/private.*VPC/),
    });
    expect([lineOf(report, 'token')?.status, lineOf(report, 'kube-verbs')?.status]).toEqual(['skip', 'skip']);
  });

  it('names the missing access entry of the function’s role (mapped from its session) and the token refused', async () => {
    // Prepare
    const { deps } = world({
      clusters: {
        describeCluster: async (name) => cluster(name, { tags: {} }),
        listClusters: async () => [],
        listAccessEntries: async () => [],
      },
      kubeReview: { review: async () => Promise.reject(new KubeTokenRefused('401')) },
    });

    // Act
    const report = await runDoctor(deps, ['theirs']);

    // Assess
    expect(lineOf(report, 'access-entry')).toMatchObject({
      status: 'fail',
      detail: `no access entry for ${ROLE} on theirs`,
      fix: expect.stringContaining(`create-access-entry --cluster-name theirs --principal-arn ${ROLE}`),
    });
    expect(lineOf(report, 'token')).toMatchObject({ status: 'fail', detail: expect.stringContaining('401') });
    expect(lineOf(report, 'kube-verbs')?.status).toBe('skip');
  });

  it('passes the access entry when the functions use a configured token (the sandbox)', async () => {
    // Prepare
    const { deps } = world({ configuredToken: () => true });
    deps.clusters.listAccessEntries = async () => [];

    // Act
    const report = await runDoctor(deps, ['prod']);

    // Assess
    expect(lineOf(report, 'access-entry')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/configured token/),
    });
  });

  it('looks for the entry of every role that calls Kubernetes, with the groups (or admin) each needs', async () => {
    // Prepare
    const rollout = 'arn:aws:iam::000000000000:role/eksflow-dev-us-east-1-rolloutReconcile';
    const scaling = 'arn:aws:iam::000000000000:role/eksflow-dev-us-east-1-scaleApply';
    const baseline = 'arn:aws:iam::000000000000:role/eksflow-dev-us-east-1-provisionApplyBaseline';
    const kubeAccess = {
      baselinePrincipalArn: baseline,
      rolloutPrincipalArns: [ROLE, rollout],
      scalingPrincipalArns: [ROLE, scaling],
    };
    const managed = world({ kubeAccess });
    managed.deps.clusters.listAccessEntries = async () => [ROLE, scaling];
    const theirs = world({ kubeAccess });
    theirs.deps.clusters.describeCluster = async (name) => cluster(name, { tags: {} });
    theirs.deps.clusters.listAccessEntries = async () => [ROLE, rollout, scaling];

    // Act
    const onManaged = await runDoctor(managed.deps, ['prod']);
    const onTheirs = await runDoctor(theirs.deps, ['theirs']);

    // Assess
    expect(lineOf(onManaged, 'access-entry')).toEqual({
      check: 'access-entry',
      status: 'fail',
      detail: `no access entry for ${rollout} on prod; nor for ${baseline}`,
      fix:
        `aws eks create-access-entry --cluster-name prod --principal-arn ${rollout} --kubernetes-groups eksflow; ` +
        `aws eks create-access-entry --cluster-name prod --principal-arn ${baseline} && aws eks associate-access-policy ` +
        `--cluster-name prod --principal-arn ${baseline} --policy-arn ` +
        'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy --access-scope type=cluster ' +
        '(README, "Kubernetes access")',
    });
    // The baseline role acts only on clusters eksflow made.
    expect(lineOf(onTheirs, 'access-entry')).toMatchObject({
      status: 'pass',
      detail: 'all 3 roles that call Kubernetes have an access entry',
    });
  });

  it('lists each denied verb, and each guarding alarm CloudWatch does not have', async () => {
    // Prepare
    const { deps } = world({
      kubeReview: { review: async (_c, ps) => ps.map((p) => ({ allowed: p.verb !== 'delete' })) },
      alarms: { states: async () => ({ 'web-5xx': 'OK' }) as never },
    });

    // Act
    const report = await runDoctor(deps, ['prod']);

    // Assess
    expect(lineOf(report, 'kube-verbs')).toMatchObject({
      status: 'fail',
      detail: 'denied: delete apps/deployments in team-a',
      fix: expect.stringContaining('deploy/rbac/eksflow-rbac.yaml'),
    });
    expect(lineOf(report, 'alarms')).toMatchObject({
      status: 'fail',
      detail: 'CloudWatch has no alarm named cpu-high',
    });
  });

  it('fails DescribeCluster for an unknown cluster and skips the rest', async () => {
    // Act
    const report = await runDoctor(world().deps, ['nope']);

    // Assess
    expect(report.clusters[0]?.checks.map((l) => l.status)).toEqual(['fail', 'skip', 'skip', 'skip', 'skip', 'skip']);
    expect(lineOf(report, 'describe-cluster')?.detail).toBe('no EKS cluster named nope');
  });
});

describe('doctorClusters', () => {
  it('takes managed clusters and those work names, then keeps what the caller may read', async () => {
    // Prepare
    const { deps, clusters } = world();
    clusters.other = cluster('other', { tags: {} });
    clusters.ours = cluster('ours');
    deps.scaling.allPolicies = async () => [{ cluster: 'registered', alarm: 'x' }] as never;

    // Act
    const names = await doctorClusters(deps, (all) => all.filter((n) => n !== 'ours'));

    // Assess
    expect(names).toEqual(['prod', 'registered']);
  });
});
