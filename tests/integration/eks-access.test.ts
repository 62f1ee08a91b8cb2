import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DescribeClusterCommand,
  DisassociateAccessPolicyCommand,
} from '@aws-sdk/client-eks';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { presignEksToken, TOKEN_LIFETIME_MS } from '../../core/adapters/aws/eks-token';
import { kubeConfigFor } from '../../core/adapters/kube/kube-clients';
import { ACCESS_POLICY_ARNS } from '../../core/clusters/domain/cluster';
import { SANDBOX_ACCOUNT } from '../../tools/aws-gate/packaged-roles';
import { createTestCluster, deleteTestCluster, eks, kubeOf } from '../helpers/clusters';
import { defined } from '../helpers/defined';
import { deploymentManifest } from '../helpers/manifests';
import { eventually, gateIdentity, testStack, uniqueName } from '../helpers/stack';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** The status of a Kubernetes call: 200 when it went through, else the API server's answer (401, 403, …). */
const statusOf = (call: Promise<unknown>) =>
  call.then(
    () => 200,
    (error: { code?: number }) => error.code ?? Number.NaN,
  );

/**
 * The sandbox's API servers authenticate and authorize as EKS does: EKS tokens (presigned STS GetCallerIdentity)
 * through the cluster's access entries, access policies as their ClusterRoles within their scope, Kubernetes groups
 * through RBAC; the static admin token stays admin. Callers are a role session and an IAM user whose keys the
 * sandbox's AWS gate issued, so GetCallerIdentity names them as STS would.
 */
describe('EKS access on the sandbox clusters: tokens, access entries, access policies', () => {
  const cluster = uniqueName('access');
  let endpoint: { server: string; caData?: string };
  let role: { arn: string; credentials: Credentials; sessionArn: string };
  let user: { arn: string; credentials: Credentials };

  /** An EKS token for the cluster, made as `aws eks get-token` (and eksflow) make them, for the sandbox's endpoint. */
  const tokenOf = async (
    credentials: Credentials,
    options: { at?: Date; expiresInSeconds?: number; on?: string } = {},
  ) =>
    (
      await presignEksToken(options.on ?? cluster, testStack().region, credentials, options.at ?? new Date(), {
        endpoint: testStack().awsEndpoint,
        expiresInSeconds: options.expiresInSeconds,
      })
    ).token;
  const clientsFor = (token: string) => {
    const config = kubeConfigFor(cluster, { ...endpoint, token });
    return {
      apps: config.makeApiClient(AppsV1Api),
      core: config.makeApiClient(CoreV1Api),
    };
  };

  beforeAll(async () => {
    await createTestCluster(cluster);
    const described = defined(
      (await eks().send(new DescribeClusterCommand({ name: cluster }))).cluster,
      '(await eks().send(new DescribeClusterCommand({ name: clus...',
    );
    endpoint = {
      server: defined(described.endpoint, 'described.endpoint'),
      caData: described.certificateAuthority?.data,
    };
    const admin = await kubeOf(cluster);
    for (const namespace of ['team-a', 'team-b']) {
      await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
      await admin.apps.createNamespacedDeployment({
        namespace,
        body: deploymentManifest({ name: 'web', replicas: 1, container: { name: 'app', image: 'nginx:1' } }),
      });
    }
    const account = SANDBOX_ACCOUNT;
    const roleName = uniqueName('deployer');
    const sessionArn = `arn:aws:sts::${account}:assumed-role/${roleName}/ci-run`;
    role = { arn: `arn:aws:iam::${account}:role/${roleName}`, sessionArn, credentials: await gateIdentity(sessionArn) };
    const userArn = `arn:aws:iam::${account}:user/${uniqueName('reader')}`;
    user = { arn: userArn, credentials: await gateIdentity(userArn) };
  }, 120000);

  afterAll(async () => {
    await deleteTestCluster(cluster);
  }, 60000);

  it('answers 401 to a valid EKS token of a principal without an access entry', async () => {
    // Prepare
    const { apps } = clientsFor(await tokenOf(role.credentials));

    // Act
    const status = await statusOf(apps.readNamespacedDeployment({ namespace: 'team-a', name: 'web' }));

    // Assess
    expect(status).toBe(401);
  });

  it('lets an entry with AmazonEKSEditPolicy scoped to team-a update a Deployment there, and answers 403 in team-b', async () => {
    // Prepare
    await eks().send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn: role.arn }));
    await eks().send(
      new AssociateAccessPolicyCommand({
        clusterName: cluster,
        principalArn: role.arn,
        policyArn: ACCESS_POLICY_ARNS.edit,
        accessScope: { type: 'namespace', namespaces: ['team-a'] },
      }),
    );
    const { apps, core } = clientsFor(await tokenOf(role.credentials));
    /** An update of the Deployment's image, as a rollout makes it (read, then replace). */
    const update = async (namespace: string) => {
      const current = await apps.readNamespacedDeployment({ namespace, name: 'web' });
      defined(current.spec?.template.spec?.containers[0], "the Deployment's container").image = 'nginx:2';
      return apps.replaceNamespacedDeployment({ namespace, name: 'web', body: current });
    };

    // Act: the API server may still hold the 401 it answered a moment ago (its webhook cache), as EKS takes a
    // moment to apply a new entry.
    const inTeamA = await eventually('the new access entry in effect', async () => {
      const status = await statusOf(update('team-a'));
      return status === 401 ? undefined : status;
    });
    const inTeamB = await statusOf(update('team-b'));
    const clusterWide = await statusOf(core.listNamespace());

    // Assess
    expect(inTeamA).toBe(200);
    const admin = (await kubeOf(cluster)).apps;
    const imageIn = async (namespace: string) =>
      defined(
        (await admin.readNamespacedDeployment({ namespace, name: 'web' })).spec?.template.spec?.containers[0],
        '(await admin.readNamespacedDeployment({ namespace, name: ...',
      ).image;
    expect(await imageIn('team-a')).toBe('nginx:2');
    expect(await imageIn('team-b')).toBe('nginx:1');
    expect(inTeamB).toBe(403);
    expect(clusterWide).toBe(403);
  });

  it('names the caller as EKS does: the default username of a role entry is its session', async () => {
    // Prepare
    const token = await tokenOf(role.credentials);

    // Act
    const review = await selfSubjectReview(token);

    // Assess
    expect(role.sessionArn).toMatch(/:assumed-role\/.+\/ci-run$/);
    expect(review.status.userInfo.username).toBe(role.sessionArn);
    expect(review.status.userInfo.extra.canonicalArn).toEqual([role.arn]);
  });

  it('gives an entry its kubernetesGroups, which RBAC binds, and its username as set', async () => {
    // Prepare
    await eks().send(
      new CreateAccessEntryCommand({
        clusterName: cluster,
        principalArn: user.arn,
        kubernetesGroups: ['deployment-readers'],
        username: 'reader:{{SessionName}}',
      }),
    );
    const rbac = (await kubeOf(cluster)).config.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: 'team-b',
      body: {
        metadata: { name: 'deployment-reader' },
        rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: 'team-b',
      body: {
        metadata: { name: 'deployment-readers' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployment-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'deployment-readers' }],
      },
    });
    const token = await tokenOf(user.credentials);
    const { apps } = clientsFor(token);

    // Act
    const inTeamB = await statusOf(apps.readNamespacedDeployment({ namespace: 'team-b', name: 'web' }));
    const inTeamA = await statusOf(apps.readNamespacedDeployment({ namespace: 'team-a', name: 'web' }));
    const review = await selfSubjectReview(token);

    // Assess
    expect(inTeamB).toBe(200);
    expect(inTeamA).toBe(403);
    expect(review.status.userInfo.username).toBe('reader:');
    expect(review.status.userInfo.groups).toEqual(
      expect.arrayContaining(['deployment-readers', 'system:authenticated']),
    );
  });

  it('acts on a cluster-scoped policy everywhere, and stops when the policy is disassociated', async () => {
    // Prepare
    await eks().send(
      new AssociateAccessPolicyCommand({
        clusterName: cluster,
        principalArn: user.arn,
        policyArn: ACCESS_POLICY_ARNS.view,
        accessScope: { type: 'cluster' },
      }),
    );
    const { core } = clientsFor(await tokenOf(user.credentials));
    const listPods = () => statusOf(core.listNamespacedPod({ namespace: 'team-a' }));

    // Act
    const whileAssociated = await eventually('view in effect', async () =>
      (await listPods()) === 200 ? 200 : undefined,
    );
    await eks().send(
      new DisassociateAccessPolicyCommand({
        clusterName: cluster,
        principalArn: user.arn,
        policyArn: ACCESS_POLICY_ARNS.view,
      }),
    );
    const afterwards = await eventually('view withdrawn', async () => ((await listPods()) === 403 ? 403 : undefined));

    // Assess
    expect(whileAssociated).toBe(200);
    expect(afterwards).toBe(403);
  });

  it('refuses tokens aws-iam-authenticator refuses: expired, long-lived, for another endpoint, not an EKS token', async () => {
    // Prepare: the role has an entry (a test above), so only the token's shape is wrong.
    const expired = await tokenOf(role.credentials, { at: new Date(Date.now() - TOKEN_LIFETIME_MS - 60_000) });
    const longLived = await tokenOf(role.credentials, { expiresInSeconds: 900 });
    const elsewhere = (
      await presignEksToken(cluster, testStack().region, role.credentials, new Date(), {
        endpoint: `https://sts.${testStack().region}.amazonaws.com`,
      })
    ).token;
    const tokens = [expired, longLived, elsewhere, 'k8s-aws-v1.bm90LWEtdXJs', 'not-an-eks-token'];

    // Act
    const statuses = await Promise.all(
      tokens.map((token) =>
        statusOf(clientsFor(token).apps.readNamespacedDeployment({ namespace: 'team-a', name: 'web' })),
      ),
    );

    // Assess
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
  });

  it('keeps the static admin token of .sandbox/kubeconfig admin', async () => {
    // Act
    const status = await statusOf(clientsFor(testStack().controlPlane.token).core.listNamespace());

    // Assess
    expect(status).toBe(200);
  });

  /** POST a SelfSubjectReview with the token: who the API server took the caller for. */
  async function selfSubjectReview(token: string): Promise<{
    status: { userInfo: { username: string; groups: string[]; extra: Record<string, string[]> } };
  }> {
    const config = kubeConfigFor(cluster, { ...endpoint, token });
    const objects = config.makeApiClient(KubernetesObjectApi);
    return (await objects.create({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
    } as never)) as never;
  }
});
