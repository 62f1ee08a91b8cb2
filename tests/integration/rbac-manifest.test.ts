import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AuthorizationV1Api,
  CoreV1Api,
  createConfiguration,
  type Middleware,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeClusterBaseline } from '../../core/adapters/kube/kube-baseline';
import { KubeClientFactory } from '../../core/adapters/kube/kube-clients';
import { KubeNodegroupPods } from '../../core/adapters/kube/kube-nodegroup-pods';
import { EKSFLOW_KUBE_GROUP, EKSFLOW_SCALING_KUBE_GROUP } from '../../core/clusters/domain/cluster';
import {
  ROLLOUT_RBAC_NAME,
  ROLLOUT_RBAC_RULES,
  SCALING_RBAC_NAME,
  SCALING_RBAC_RULES,
} from '../../core/clusters/domain/eksflow-rbac';
import { kube, testStack, uniqueName } from '../helpers/stack';

const manifestPath = path.resolve(__dirname, '../../deploy/rbac/eksflow-rbac.yaml');

/**
 * deploy/rbac/eksflow-rbac.yaml on the real kube-apiserver (RBAC authorizer): eksflow's group may do exactly
 * the calls eksflow makes in a bound namespace, and nothing in another namespace or cluster-wide.
 */
describe('RBAC manifest for clusters eksflow did not create', () => {
  const { config, core } = kube();
  const rbac = config.makeApiClient(RbacAuthorizationV1Api);
  const authz = config.makeApiClient(AuthorizationV1Api);
  const bound = uniqueName('rbac-bound');
  const other = uniqueName('rbac-other');
  // The manifest binds the group `eksflow`; the sandbox cluster binds that group itself (as a cluster eksflow
  // provisions does), so this run binds a group of its own in its place.
  const kubeGroup = uniqueName('eksflow');
  let clusterRoleName: string;

  beforeAll(async () => {
    // Prepare: the manifest as shipped, its ClusterRole renamed so runs do not collide, bound in one namespace.
    const [clusterRole, roleBinding] = parseAllDocuments(readFileSync(manifestPath, 'utf8')).map((d) => d.toJS()) as [
      V1ClusterRole,
      V1RoleBinding,
    ];
    clusterRoleName = uniqueName('eksflow-rollouts');
    for (const name of [bound, other]) await core.createNamespace({ body: { metadata: { name } } });
    await rbac.createClusterRole({
      body: { ...clusterRole, metadata: { ...clusterRole.metadata, name: clusterRoleName } },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: bound,
      body: {
        ...roleBinding,
        metadata: { ...roleBinding.metadata, namespace: bound },
        roleRef: { ...roleBinding.roleRef, name: clusterRoleName },
        subjects: (roleBinding.subjects ?? []).map((subject) => ({ ...subject, name: kubeGroup })),
      },
    });
  });

  afterAll(async () => {
    await rbac.deleteClusterRole({ name: clusterRoleName }).catch(() => undefined);
    for (const name of [bound, other]) await core.deleteNamespace({ name }).catch(() => undefined);
  });

  async function allowed(verb: string, group: string, resource: string, namespace?: string, name?: string) {
    const review = await authz.createSubjectAccessReview({
      body: {
        spec: {
          user: 'arn:aws:sts::123456789012:assumed-role/eksflow-dev-us-east-1-api/session',
          groups: [kubeGroup],
          resourceAttributes: { verb, group, resource, namespace, name },
        },
      },
    });
    return review.status?.allowed === true;
  }

  it.each([
    ['get', 'apps', 'deployments'],
    ['create', 'apps', 'deployments'],
    ['patch', 'apps', 'deployments'],
    ['delete', 'apps', 'deployments'],
    ['list', 'apps', 'replicasets'],
    ['get', '', 'services'],
    ['patch', '', 'services'],
  ])('allows %s %s/%s in a bound namespace and not in another', async (verb, group, resource) => {
    // Act / Assess
    expect(await allowed(verb, group, resource, bound)).toBe(true);
    expect(await allowed(verb, group, resource, other)).toBe(false);
  });

  it('allows reading the bound namespace itself, not another one', async () => {
    // Act / Assess
    expect(await allowed('get', '', 'namespaces', bound, bound)).toBe(true);
    expect(await allowed('get', '', 'namespaces', other, other)).toBe(false);
  });

  it.each([
    ['get', '', 'secrets'],
    ['list', '', 'pods'],
    ['create', '', 'pods'],
    ['update', 'apps', 'deployments'],
    ['list', 'apps', 'deployments'],
    ['delete', '', 'services'],
    ['create', 'rbac.authorization.k8s.io', 'rolebindings'],
  ])('refuses %s %s/%s, which eksflow never calls', async (verb, group, resource) => {
    // Act / Assess
    expect(await allowed(verb, group, resource, bound)).toBe(false);
  });

  it('grants nothing cluster-wide: no namespaces list or create, no nodes', async () => {
    // Act / Assess
    expect(await allowed('list', '', 'namespaces')).toBe(false);
    expect(await allowed('create', '', 'namespaces')).toBe(false);
    expect(await allowed('get', '', 'nodes')).toBe(false);
  });
});

/** The provisioning baseline applies the same RBAC to the clusters eksflow creates. */
describe('rollout RBAC applied by the provisioning baseline', () => {
  const { config, core } = kube();
  const rbac = config.makeApiClient(RbacAuthorizationV1Api);
  const authz = config.makeApiClient(AuthorizationV1Api);
  const { controlPlane } = testStack();
  const baseline = new KubeClusterBaseline(
    new KubeClientFactory({
      connect: async () => ({ server: controlPlane.server, caData: controlPlane.caData, token: controlPlane.token }),
    }),
  );
  const group = uniqueName('eksflow-group');
  const granted = uniqueName('rbac-granted');
  const notGranted = uniqueName('rbac-not-granted');

  beforeAll(async () => {
    for (const name of [granted, notGranted]) await core.createNamespace({ body: { metadata: { name } } });
  });
  afterAll(async () => {
    for (const name of [granted, notGranted]) await core.deleteNamespace({ name }).catch(() => undefined);
  });

  it('ships the same rules in deploy/rbac/eksflow-rbac.yaml as the baseline applies', () => {
    // Prepare
    const [clusterRole, roleBinding] = parseAllDocuments(readFileSync(manifestPath, 'utf8')).map((d) => d.toJS()) as [
      V1ClusterRole,
      V1RoleBinding,
    ];

    // Assess
    expect(clusterRole.metadata?.name).toBe(ROLLOUT_RBAC_NAME);
    expect(clusterRole.rules).toEqual(ROLLOUT_RBAC_RULES);
    expect(roleBinding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: EKSFLOW_KUBE_GROUP },
    ]);
  });

  it('binds the group in the given namespaces only, and a second run changes nothing', async () => {
    // Act
    await baseline.ensureRolloutAccess('sandbox', group, [granted]);
    await baseline.ensureRolloutAccess('sandbox', group, [granted]);

    // Assess
    const can = async (namespace: string) =>
      (
        await authz.createSubjectAccessReview({
          body: {
            spec: {
              user: 'someone',
              groups: [group],
              resourceAttributes: { verb: 'patch', group: 'apps', resource: 'deployments', namespace },
            },
          },
        })
      ).status?.allowed;
    expect(await can(granted)).toBe(true);
    expect(await can(notGranted)).toBe(false);
    const binding = await rbac.readNamespacedRoleBinding({ name: ROLLOUT_RBAC_NAME, namespace: granted });
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }]);
  });

  it('brings a ClusterRole an older eksflow made up to date, and a second run writes nothing', async () => {
    // Prepare: the rules of a release before ALB canaries (no Ingresses)
    const current = await rbac.readClusterRole({ name: ROLLOUT_RBAC_NAME });
    await rbac.replaceClusterRole({
      name: ROLLOUT_RBAC_NAME,
      body: { ...current, rules: ROLLOUT_RBAC_RULES.filter((rule) => !rule.resources?.includes('ingresses')) },
    });

    // Act
    await baseline.ensureRolloutAccess('sandbox', group, [granted]);
    const updated = await rbac.readClusterRole({ name: ROLLOUT_RBAC_NAME });
    await baseline.ensureRolloutAccess('sandbox', group, [granted]);
    const again = await rbac.readClusterRole({ name: ROLLOUT_RBAC_NAME });

    // Assess
    expect(JSON.parse(JSON.stringify(updated.rules))).toEqual(ROLLOUT_RBAC_RULES);
    expect(again.metadata?.resourceVersion).toBe(updated.metadata?.resourceVersion);
  });

  it('lets the scaling group read pods and nodes cluster-wide, write nothing, and a second run changes nothing', async () => {
    // Act
    await baseline.ensureScalingAccess('sandbox', EKSFLOW_SCALING_KUBE_GROUP);
    await baseline.ensureScalingAccess('sandbox', EKSFLOW_SCALING_KUBE_GROUP);

    // Assess
    const can = async (verb: string, resource: string) =>
      (
        await authz.createSubjectAccessReview({
          body: {
            spec: { user: 'someone', groups: [EKSFLOW_SCALING_KUBE_GROUP], resourceAttributes: { verb, resource } },
          },
        })
      ).status?.allowed;
    expect(await can('list', 'pods')).toBe(true);
    expect(await can('list', 'nodes')).toBe(true);
    expect(await can('delete', 'pods')).toBe(false);
    expect(await can('patch', 'nodes')).toBe(false);
    const role = await rbac.readClusterRole({ name: SCALING_RBAC_NAME });
    expect(role.rules).toEqual(SCALING_RBAC_RULES);
    const binding = await rbac.readClusterRoleBinding({ name: SCALING_RBAC_NAME });
    expect(binding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: EKSFLOW_SCALING_KUBE_GROUP },
    ]);
  });
});

/** The manifest's documents of one kind, by name. */
function manifestDocument<T>(kind: string, name: string): T {
  const docs = parseAllDocuments(readFileSync(manifestPath, 'utf8')).map((d) => d.toJS());
  const found = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!found) throw new Error(`${kind} ${name} not in ${manifestPath}`);
  return found as T;
}

/** Every request as `user` in `group` (the API server's impersonation, allowed to the sandbox's admin token). */
function impersonating(user: string, group: string): Middleware {
  return {
    pre: async (context) => {
      context.setHeaderParam('Impersonate-User', user);
      context.setHeaderParam('Impersonate-Group', group);
      return context;
    },
    post: async (response) => response,
  };
}

/**
 * The scaling part of deploy/rbac/eksflow-rbac.yaml on the real kube-apiserver: eksflow's scaling code itself
 * (KubeNodegroupPods), running as a member of the bound group only, makes its calls; and the group may read
 * pods and nodes, nothing else and no writes.
 */
describe('RBAC manifest: scaling reads pods and nodes cluster-wide, read only', () => {
  const { config, core } = kube();
  const rbac = config.makeApiClient(RbacAuthorizationV1Api);
  const authz = config.makeApiClient(AuthorizationV1Api);
  // A group of this run's own, so that no other binding on the shared control plane grants it anything.
  const group = uniqueName('eksflow-scaling');
  const user = 'arn:aws:sts::123456789012:assumed-role/eksflow-dev-us-east-1-scaleApply/session';
  const namespace = uniqueName('rbac-scaling');
  let roleName: string;

  beforeAll(async () => {
    // Prepare: the manifest's ClusterRole and ClusterRoleBinding, renamed, bound to this run's group.
    const role = manifestDocument<V1ClusterRole>('ClusterRole', SCALING_RBAC_NAME);
    const binding = manifestDocument<V1ClusterRoleBinding>('ClusterRoleBinding', SCALING_RBAC_NAME);
    roleName = uniqueName(SCALING_RBAC_NAME);
    await rbac.createClusterRole({ body: { ...role, metadata: { ...role.metadata, name: roleName } } });
    await rbac.createClusterRoleBinding({
      body: {
        ...binding,
        metadata: { ...binding.metadata, name: roleName },
        roleRef: { ...binding.roleRef, name: roleName },
        subjects: (binding.subjects ?? []).map((s) => ({ ...s, name: group })),
      },
    });
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  afterAll(async () => {
    await rbac.deleteClusterRoleBinding({ name: roleName }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: roleName }).catch(() => undefined);
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  async function allowed(verb: string, resource: string, namespace?: string, apiGroup = '') {
    const review = await authz.createSubjectAccessReview({
      body: { spec: { user, groups: [group], resourceAttributes: { verb, group: apiGroup, resource, namespace } } },
    });
    return review.status?.allowed === true;
  }

  it('ships the rules the scaling code needs, bound to the group eksflow grants its scaling roles', () => {
    // Prepare
    const role = manifestDocument<V1ClusterRole>('ClusterRole', SCALING_RBAC_NAME);
    const binding = manifestDocument<V1ClusterRoleBinding>('ClusterRoleBinding', SCALING_RBAC_NAME);

    // Assess
    expect(role.rules).toEqual(SCALING_RBAC_RULES);
    expect(binding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: EKSFLOW_SCALING_KUBE_GROUP },
    ]);
  });

  it("is enough: the scaling code's own calls (Pending pods, pods per node) succeed as a member of the group", async () => {
    // Prepare: a client of the sandbox's control plane acting as the scaling role, in the group only
    const server = config.getCurrentCluster()?.server ?? '';
    const scalingCore = new CoreV1Api(
      createConfiguration({
        baseServer: new ServerConfiguration(server, {}),
        authMethods: { default: config },
        promiseMiddleware: [impersonating(user, group)],
      }),
    );
    const pods = new KubeNodegroupPods({ forCluster: async () => ({ core: scalingCore }) } as never);
    const unbound = new KubeNodegroupPods({
      forCluster: async () => ({
        core: new CoreV1Api(
          createConfiguration({
            baseServer: new ServerConfiguration(server, {}),
            authMethods: { default: config },
            promiseMiddleware: [impersonating(user, uniqueName('not-bound'))],
          }),
        ),
      }),
    } as never);

    // Act
    const pending = await pods.pendingPods('sandbox');
    const perNode = await pods.podsPerNode('sandbox', 'sandbox-default');

    // Assess: the calls went through as that identity (one outside the group is refused the same calls)
    expect(Array.isArray(pending)).toBe(true);
    expect(Object.keys(perNode).length).toBeGreaterThan(0);
    await expect(unbound.pendingPods('sandbox')).rejects.toThrow();
  });

  it.each([
    ['get', 'pods'],
    ['list', 'pods'],
    ['watch', 'pods'],
    ['get', 'nodes'],
    ['list', 'nodes'],
    ['watch', 'nodes'],
  ])('allows %s %s cluster-wide', async (verb, resource) => {
    // Act / Assess
    expect(await allowed(verb, resource)).toBe(true);
    if (resource === 'pods') expect(await allowed(verb, resource, namespace)).toBe(true);
  });

  it.each([
    ['create', 'pods', ''],
    ['delete', 'pods', ''],
    ['patch', 'pods', ''],
    ['patch', 'nodes', ''],
    ['delete', 'nodes', ''],
    ['update', 'nodes', ''],
    ['list', 'secrets', ''],
    ['list', 'configmaps', ''],
    ['list', 'deployments', 'apps'],
  ])('refuses %s %s (%s), which scaling never calls', async (verb, resource, apiGroup) => {
    // Act / Assess
    expect(await allowed(verb, resource, namespace, apiGroup)).toBe(false);
    expect(await allowed(verb, resource, undefined, apiGroup)).toBe(false);
  });
});
