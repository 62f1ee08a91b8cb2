import { DescribeClusterCommand, EKSClient, ListAddonsCommand, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { deleteClustersMade, fullSpec, operationDone } from '../helpers/cluster-fixtures';
import { defined } from '../helpers/defined';
import { type FaultProxies, startFaultProxies } from '../helpers/fault-proxies';
import { api, awsClientConfig, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

/** Share of the workflow's AWS requests that get a fault (throttling, 5xx, 409, slow, dropped before/after). */
const FAULT_RATE = 0.3;

/**
 * The provisioning and deletion workflows with 30 % of their AWS calls faulted (tools/fault-proxy): every
 * task retries what can be retried and recognises its own earlier work, so both end as they do without faults.
 */
describe('chaos: 30 % faults between the cluster workflows and AWS', () => {
  let runtime: TestRuntime;
  let proxies: FaultProxies;
  const eks = new EKSClient(awsClientConfig());
  beforeAll(async () => {
    proxies = await startFaultProxies({ rate: 0 });
    runtime = await startTestRuntime({ awsEndpoint: proxies.aws.url, autoAdvance: true });
  });
  afterAll(async () => {
    await deleteClustersMade();
    await runtime?.close();
    await proxies?.close();
  });

  it.each([11, 12, 13])(
    'seed %i: the full spec is provisioned, then deleted, as without faults',
    async (seed) => {
      // Prepare: the requests themselves go through cleanly; the workflows run under faults
      const spec = fullSpec(uniqueName('faults'));

      // Act
      const accepted = await api(runtime, 'POST', '/clusters', spec);
      proxies.aws.setFaults({ rate: FAULT_RATE, seed });
      const provisioned = await operationDone(runtime, accepted.body.operationId, 90000);
      proxies.aws.setFaults({ rate: 0 });
      const deleting = await api(runtime, 'DELETE', `/clusters/${spec.name}`);
      proxies.aws.setFaults({ rate: FAULT_RATE, seed: seed + 100 });
      const deleted = await operationDone(runtime, deleting.body.operationId, 90000);
      proxies.aws.setFaults({ rate: 0 });

      // Assess
      expect({ status: provisioned.status, error: provisioned.error }).toEqual({
        status: 'Succeeded',
        error: undefined,
      });
      expect(provisioned.created.map((c: { type: string; name: string }) => `${c.type}:${c.name}`).sort()).toEqual([
        'accessEntry:arn:aws:iam::123456789012:role/dev',
        'addon:coredns',
        'addon:kube-proxy',
        'addon:vpc-cni',
        `controlPlane:${spec.name}`,
        `namespace:${defined(spec.namespaces[0], 'spec.namespaces[0]').name}`,
        `namespace:${defined(spec.namespaces[1], 'spec.namespaces[1]').name}`,
        'nodegroup:batch',
        'nodegroup:general',
      ]);
      expect({ status: deleted.status, error: deleted.error }).toEqual({ status: 'Succeeded', error: undefined });
      await expect(eks.send(new DescribeClusterCommand({ name: spec.name }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    },
    200000,
  );

  it('nothing is made twice: one node group per name and one add-on per name after a faulty run', async () => {
    // Prepare
    const spec = fullSpec(uniqueName('faults-once'));

    // Act
    const accepted = await api(runtime, 'POST', '/clusters', spec);
    proxies.aws.setFaults({ rate: FAULT_RATE, seed: 42 });
    const done = await operationDone(runtime, accepted.body.operationId, 90000);
    proxies.aws.setFaults({ rate: 0 });

    // Assess
    expect(done.status).toBe('Succeeded');
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: spec.name }))).nodegroups?.sort()).toEqual([
      'batch',
      'general',
    ]);
    expect((await eks.send(new ListAddonsCommand({ clusterName: spec.name }))).addons?.sort()).toEqual([
      'coredns',
      'kube-proxy',
      'vpc-cni',
    ]);
  }, 120000);
});
