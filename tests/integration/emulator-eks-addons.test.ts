import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  CreateAddonCommand,
  CreateClusterCommand,
  DeleteAddonCommand,
  DeleteClusterCommand,
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeAddonVersionsCommand,
  DescribeClusterCommand,
  DescribeUpdateCommand,
  EKSClient,
  ListAddonsCommand,
  ListAssociatedAccessPoliciesCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import { deleteTestCluster } from '../helpers/clusters';
import { awsClientConfig, eventually, testRuntimeConfig, uniqueName } from '../helpers/stack';

/**
 * tools/moto/eks_addons.py: EKS add-ons, access entries and cluster-config updates, which plain moto 5.2
 * does not have (each call below fails on plain moto: its EKS has no such route).
 */
describe('AWS emulator extension: EKS add-ons, access entries, cluster updates', () => {
  const eks = new EKSClient(awsClientConfig());
  let defaults: { roleArn?: string; subnetIds?: string[] };
  const made: string[] = [];
  beforeAll(async () => {
    defaults = (await testRuntimeConfig()).clusterDefaults;
  });
  // Each cluster has a control plane in the sandbox: stop them.
  afterAll(async () => {
    await Promise.all(made.map((name) => deleteTestCluster(name)));
  });

  async function newCluster(version: string) {
    const name = uniqueName('addons');
    made.push(name);
    await eks.send(
      new CreateClusterCommand({
        name,
        version,
        roleArn: defaults.roleArn,
        resourcesVpcConfig: { subnetIds: defaults.subnetIds },
      }),
    );
    return name;
  }

  it('an add-on is CREATING, then ACTIVE; "no version" is the newest compatible one; gone after delete', async () => {
    // Prepare
    const cluster = await newCluster('1.33');

    // Act
    const created = await eks.send(new CreateAddonCommand({ clusterName: cluster, addonName: 'kube-proxy' }));
    const active = await eventually('add-on ACTIVE', async () => {
      const { addon } = await eks.send(new DescribeAddonCommand({ clusterName: cluster, addonName: 'kube-proxy' }));
      return addon?.status === 'ACTIVE' ? addon : undefined;
    });
    const listed = await eks.send(new ListAddonsCommand({ clusterName: cluster }));
    await eks.send(new DeleteAddonCommand({ clusterName: cluster, addonName: 'kube-proxy' }));
    const gone = await eventually('add-on gone', async () =>
      eks.send(new DescribeAddonCommand({ clusterName: cluster, addonName: 'kube-proxy' })).then(
        () => undefined,
        (error: Error) => error.name,
      ),
    );

    // Assess
    expect(created.addon?.status).toBe('CREATING');
    expect(active.addonVersion).toBe('v1.33.0-eksbuild.2');
    expect(listed.addons).toEqual(['kube-proxy']);
    expect(gone).toBe('ResourceNotFoundException');
  });

  it('refuses a version not compatible with the cluster, and an add-on on an unknown cluster', async () => {
    // Prepare
    const cluster = await newCluster('1.33');

    // Act (settled at once: a rejection nobody awaits yet would fail the test as unhandled)
    const [incompatible, unknown] = await Promise.allSettled([
      eks.send(
        new CreateAddonCommand({ clusterName: cluster, addonName: 'kube-proxy', addonVersion: 'v1.29.13-eksbuild.3' }),
      ),
      eks.send(new CreateAddonCommand({ clusterName: uniqueName('nope'), addonName: 'vpc-cni' })),
    ]);

    // Assess
    expect(incompatible).toMatchObject({ status: 'rejected', reason: { name: 'InvalidParameterException' } });
    expect(unknown).toMatchObject({ status: 'rejected', reason: { name: 'ResourceNotFoundException' } });
  });

  it('lists versions compatible with a Kubernetes version, newest first', async () => {
    // Act
    const out = await eks.send(new DescribeAddonVersionsCommand({ addonName: 'coredns', kubernetesVersion: '1.33' }));

    // Assess
    expect(out.addons?.[0]?.addonVersions?.map((v) => v.addonVersion)).toEqual(['v1.12.1-eksbuild.2']);
  });

  it('access entries: create, a second create is ResourceInUse, policies associated per namespace', async () => {
    // Prepare
    const cluster = await newCluster('1.33');
    const principalArn = 'arn:aws:iam::123456789012:role/dev';

    // Act
    await eks.send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn }));
    const again = await eks
      .send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn }))
      .catch((error: Error) => error);
    await eks.send(
      new AssociateAccessPolicyCommand({
        clusterName: cluster,
        principalArn,
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
        accessScope: { type: 'namespace', namespaces: ['team-a'] },
      }),
    );
    const entry = await eks.send(new DescribeAccessEntryCommand({ clusterName: cluster, principalArn }));
    const policies = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: cluster, principalArn }));

    // Assess
    expect(again).toMatchObject({ name: 'ResourceInUseException' });
    expect(entry.accessEntry?.principalArn).toBe(principalArn);
    expect(policies.associatedAccessPolicies).toEqual([
      expect.objectContaining({
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
        accessScope: { type: 'namespace', namespaces: ['team-a'] },
      }),
    ]);
  });

  it("a re-created cluster starts with none of its predecessor's add-ons or access entries", async () => {
    // Prepare
    const cluster = await newCluster('1.33');
    await eks.send(new CreateAddonCommand({ clusterName: cluster, addonName: 'vpc-cni' }));
    await eks.send(new DeleteClusterCommand({ name: cluster }));
    await eventually('the deleted cluster to be gone', async () =>
      eks.send(new DescribeClusterCommand({ name: cluster })).then(
        () => undefined,
        (error: Error) => error.name,
      ),
    );
    await eks.send(
      new CreateClusterCommand({
        name: cluster,
        version: '1.33',
        roleArn: defaults.roleArn,
        resourcesVpcConfig: { subnetIds: defaults.subnetIds },
      }),
    );

    // Act
    const listed = await eks.send(new ListAddonsCommand({ clusterName: cluster }));

    // Assess
    expect(listed.addons).toEqual([]);
  });

  it('UpdateClusterConfig answers with an update that DescribeUpdate knows', async () => {
    // Prepare
    const cluster = await newCluster('1.33');

    // Act
    const { update } = await eks.send(
      new UpdateClusterConfigCommand({
        name: cluster,
        logging: { clusterLogging: [{ types: ['api'], enabled: true }] },
      }),
    );
    const described = await eks.send(new DescribeUpdateCommand({ name: cluster, updateId: update?.id }));

    // Assess
    expect(update?.id).toEqual(expect.any(String));
    expect(described.update?.status).toBe('Successful');
  });
});
