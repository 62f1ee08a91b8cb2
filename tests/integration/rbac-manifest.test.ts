import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AuthorizationV1Api,
  RbacAuthorizationV1Api,
  type V1ClusterRole,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeClusterBaseline } from '../../shared/adapters/kube/kube-baseline';
import { KubeClientFactory } from '../../shared/adapters/kube/kube-clients';
import { ROLLOUT_RBAC_NAME, ROLLOUT_RBAC_RULES } from '../../shared/adapters/kube/rollout-rbac';
import { kube, testStack, uniqueName } from '../helpers/stack';

const manifestPath = path.resolve(__dirname, '../../deploy/rbac/eksflow-rbac.yaml');
/** The group eksflow's IAM roles are mapped to by their access entries. */
const EKSFLOW_GROUP = 'eksflow';

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
          groups: [EKSFLOW_GROUP],
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
    const [clusterRole] = parseAllDocuments(readFileSync(manifestPath, 'utf8')).map((d) => d.toJS()) as [V1ClusterRole];

    // Assess
    expect(clusterRole.metadata?.name).toBe(ROLLOUT_RBAC_NAME);
    expect(clusterRole.rules).toEqual(ROLLOUT_RBAC_RULES);
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
});
