import { DescribeAccessEntryCommand, EKSClient, ListAssociatedAccessPoliciesCommand } from '@aws-sdk/client-eks';
import { EksClusterApi } from '../../core/adapters/aws/eks-cluster-api';
import { EksTokenProvider } from '../../core/adapters/aws/eks-token';
import { KubeClientFactory } from '../../core/adapters/kube/kube-clients';
import { EksKubeConnector } from '../../core/adapters/kube/kube-connector';
import { KubeNodegroupPods } from '../../core/adapters/kube/kube-nodegroup-pods';
import { KubeWorkloads } from '../../core/adapters/kube/kube-workloads';
import { ACCESS_POLICY_ARNS } from '../../core/clusters/domain/cluster';
import { ClusterAccessError } from '../../core/kernel/errors';
import { REPO_ROOT } from '../../local/runtime';
import { sandboxKubeAccess } from '../../local/sandbox/sandbox-cluster';
import { SANDBOX_ACCOUNT } from '../../tools/aws-gate/packaged-roles';
import { deleteClustersMade, operationDone, track } from '../helpers/cluster-fixtures';
import { createTestCluster, deleteTestCluster, grantEksflowAccessOn, kubeOf } from '../helpers/clusters';
import { defined } from '../helpers/defined';
import { deploymentManifest } from '../helpers/manifests';
import { canaryRequest, createApp, waitForRollout } from '../helpers/rollout-fixtures';
import {
  api,
  awsClientConfig,
  eventually,
  gateIdentity,
  startTestRuntime,
  type TestRuntime,
  testStack,
  uniqueName,
} from '../helpers/stack';

/**
 * eksflow reaching clusters with EKS tokens of its own roles, as deployed: the `sandbox` cluster has the access entries
 * and RBAC a cluster eksflow provisions gives eksflow's roles; a cluster created directly on the emulator, with no
 * entry for eksflow, refuses it, and eksflow says so at once, naming the access entry. The roles are
 * `eksflow-dev-<region>-<function>` in the sandbox's account; the test holds keys of the session Lambda would hold
 * for each (the sandbox's AWS gate issues them and answers GetCallerIdentity with that session).
 */
describe("eksflow's own roles on the clusters: access entries and RBAC", () => {
  const eks = new EKSClient(awsClientConfig());
  const bare = uniqueName('bare');

  /** Credentials of eksflow's role for `fn`, as the function would hold them (Lambda's session named after it). */
  async function roleOf(fn: string) {
    const roleName = `eksflow-dev-${testStack().region}-${fn}`;
    return {
      arn: `arn:aws:iam::${SANDBOX_ACCOUNT}:role/${roleName}`,
      credentials: await gateIdentity(`arn:aws:sts::${SANDBOX_ACCOUNT}:assumed-role/${roleName}/${fn}`),
    };
  }

  /** eksflow's Kubernetes clients as a function holding these credentials builds them (no static token). */
  function kubeAs(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
    const tokens = new EksTokenProvider({ region: testStack().region, credentials, endpoint: testStack().awsEndpoint });
    return new KubeClientFactory(new EksKubeConnector(new EksClusterApi(eks), tokens, {}));
  }

  beforeAll(async () => {
    await createTestCluster(bare);
    const admin = await kubeOf(bare);
    await admin.apps.createNamespacedDeployment({
      namespace: 'default',
      body: deploymentManifest({ name: 'web', replicas: 1, container: { name: 'web', image: 'nginx:1' } }),
    });
  }, 120000);
  afterAll(async () => {
    await deleteTestCluster(bare);
    eks.destroy();
  }, 60000);

  it("gives the sandbox cluster the access entries a provisioned cluster gives eksflow's roles", async () => {
    // Prepare
    const access = await sandboxKubeAccess(awsClientConfig(), REPO_ROOT);
    const entry = (principalArn: string) =>
      eks.send(new DescribeAccessEntryCommand({ clusterName: 'sandbox', principalArn })).then((r) => r.accessEntry);

    // Act
    const baseline = await eks.send(
      new ListAssociatedAccessPoliciesCommand({ clusterName: 'sandbox', principalArn: access.baselinePrincipalArn }),
    );
    const apiEntry = await entry(
      defined(
        access.rolloutPrincipalArns.find((arn) => arn.endsWith('-api')),
        "access.rolloutPrincipalArns.find((arn) => arn.endsWith('-...",
      ),
    );
    const reconcile = await entry(
      defined(
        access.rolloutPrincipalArns.find((arn) => arn.endsWith('-rolloutReconcile')),
        "access.rolloutPrincipalArns.find((arn) => arn.endsWith('-...",
      ),
    );
    const scaleApply = await entry(
      defined(
        access.scalingPrincipalArns.find((arn) => arn.endsWith('-scaleApply')),
        "access.scalingPrincipalArns.find((arn) => arn.endsWith('-...",
      ),
    );

    // Assess
    expect(access.baselinePrincipalArn).toMatch(/:role\/eksflow-dev-us-east-1-provisionApplyBaseline$/);
    expect(baseline.associatedAccessPolicies?.map((p) => p.policyArn)).toEqual([ACCESS_POLICY_ARNS['cluster-admin']]);
    expect(apiEntry?.kubernetesGroups).toEqual(['eksflow', 'eksflow-scaling']);
    expect(reconcile?.kubernetesGroups).toEqual(['eksflow']);
    expect(scaleApply?.kubernetesGroups).toEqual(['eksflow-scaling']);
  });

  it('lets each role do on the sandbox cluster what its group allows, and refuses the rest naming the role', async () => {
    // Prepare
    const reconcile = await roleOf('rolloutReconcile');
    const scaleApply = await roleOf('scaleApply');
    const app = await createApp({ replicas: 1 });

    // Act
    const read = await new KubeWorkloads(kubeAs(reconcile.credentials)).getDeployment('sandbox', app.namespace, 'web');
    const pods = await new KubeNodegroupPods(kubeAs(scaleApply.credentials)).pendingPods('sandbox');
    const notItsJob = await new KubeNodegroupPods(kubeAs(reconcile.credentials))
      .pendingPods('sandbox')
      .catch((e: unknown) => e);

    // Assess
    expect(read?.name).toBe('web');
    expect(Array.isArray(pods)).toBe(true);
    expect(notItsJob).toBeInstanceOf(ClusterAccessError);
    expect((notItsJob as Error).message).toContain(reconcile.arn);
    expect((notItsJob as Error).message).toContain('cluster sandbox');
  });

  describe('through the API', () => {
    let runtime: TestRuntime;
    let apiRole: Awaited<ReturnType<typeof roleOf>>;

    beforeAll(async () => {
      apiRole = await roleOf('api');
      runtime = await startTestRuntime({ containerOverrides: { kube: kubeAs(apiRole.credentials) } });
    }, 60000);
    afterAll(async () => runtime?.close());

    it("runs a canary on the sandbox cluster with the API role's EKS token", async () => {
      // Prepare
      const app = await createApp({ replicas: 2 });

      // Act
      const started = await api(runtime, 'POST', '/rollouts', canaryRequest(app));
      const paused = await waitForRollout(runtime, started.body.id, (r) => r.status === 'Paused');

      // Assess
      expect(started.status).toBe(202);
      expect(paused.status).toBe('Paused');
    });

    it('refuses a rollout on a cluster without access entries for eksflow at once, naming the access entry', async () => {
      // Act
      const answer = await api(runtime, 'POST', '/rollouts', {
        ...canaryRequest({ namespace: 'default' }),
        cluster: bare,
      });

      // Assess
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('ClusterAccessDenied');
      expect(answer.body.error.message).toContain(`no EKS access entry for ${apiRole.arn} on cluster ${bare}`);
      expect(answer.body.error.details).toEqual([{ field: 'cluster', reason: expect.stringContaining(apiRole.arn) }]);
      const listed = await api(runtime, 'GET', `/rollouts?cluster=${bare}`);
      expect(listed.body.rollouts).toEqual([]);
    });

    it('accepts the rollout once the cluster has the access entries and RBAC eksflow provisions', async () => {
      // Prepare
      await grantEksflowAccessOn(bare);

      // Act: the API server may still hold its refusal of the same token for a moment (its webhook cache).
      const answer = await eventually('the new entries in effect', async () => {
        const started = await api(runtime, 'POST', '/rollouts', {
          ...canaryRequest({ namespace: 'default' }),
          cluster: bare,
        });
        return started.status === 403 ? undefined : started;
      });

      // Assess
      expect(answer.status).toBe(202);
      await api(runtime, 'POST', `/rollouts/${answer.body.id}/abort`, { reason: 'test done' });
    });
  });

  describe("provisioning with kubeAccess: the entries it grants, then the baseline as eksflow's own roles", () => {
    /** The runtime's Kubernetes calls carry `fn`'s EKS token; provisioning grants eksflow's roles as deployed. */
    async function provisioningRuntime(fn: string) {
      const access = await sandboxKubeAccess(awsClientConfig(), REPO_ROOT);
      const role = await roleOf(fn);
      const runtime = await startTestRuntime({
        env: {
          EKSFLOW_BASELINE_PRINCIPAL_ARN: access.baselinePrincipalArn,
          EKSFLOW_ROLLOUT_PRINCIPAL_ARNS: access.rolloutPrincipalArns.join(','),
          EKSFLOW_SCALING_PRINCIPAL_ARNS: access.scalingPrincipalArns.join(','),
        },
        containerOverrides: { kube: kubeAs(role.credentials) },
      });
      return { runtime, role };
    }
    const spec = (name: string) => ({ name: track(name), namespaces: [{ name: 'team-a' }] });
    let runtime: TestRuntime | undefined;
    afterEach(async () => {
      await runtime?.close();
      await deleteClustersMade();
    }, 60000);

    it("applies the baseline with the baseline role's token, cluster admin through its access policy", async () => {
      // Prepare
      const started = await provisioningRuntime('provisionApplyBaseline');
      runtime = started.runtime;
      const name = uniqueName('granted');

      // Act
      const accepted = await api(runtime, 'POST', '/clusters', spec(name));
      const done = await operationDone(runtime, accepted.body.operationId);

      // Assess
      expect(done.status).toBe('Succeeded');
      const admin = await kubeOf(name);
      expect((await admin.core.readNamespace({ name: 'team-a' })).metadata?.name).toBe('team-a');
      const reconcile = await eks.send(
        new DescribeAccessEntryCommand({ clusterName: name, principalArn: (await roleOf('rolloutReconcile')).arn }),
      );
      expect(reconcile.accessEntry?.kubernetesGroups).toEqual(['eksflow']);
    });

    it('fails the baseline step, after bounded retries, naming the principal the cluster refuses', async () => {
      // Prepare: the API role's entry puts it in eksflow's groups, which may not create namespaces.
      const started = await provisioningRuntime('api');
      runtime = started.runtime;
      const name = uniqueName('refused');

      // Act
      const accepted = await api(runtime, 'POST', '/clusters', { ...spec(name), onFailure: 'keep' });
      const done = await operationDone(runtime, accepted.body.operationId);

      // Assess
      expect(done.status).toBe('Failed');
      expect(done.error.step).toBe('ApplyBaseline');
      expect(done.error.message).toContain(`cluster ${name} refused ${started.role.arn}`);
    });
  });
});
