import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeClusterCommand,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import type { V1PodSpec } from '@kubernetes/client-node';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ensureNetworkAndRole } from '../../local/sandbox/aws-fixtures';
import {
  controlPlanePids,
  createTestCluster,
  deleteTestCluster,
  eks,
  kubeOf,
  processAlive,
  waitForNodes,
} from '../helpers/clusters';
import { defined } from '../helpers/defined';
import { deploymentManifest } from '../helpers/manifests';
import {
  api,
  awsClientConfig,
  eventually,
  kube,
  startTestRuntime,
  type TestRuntime,
  testStack,
  uniqueName,
} from '../helpers/stack';

const BATCH_TAINT = { key: 'dedicated', value: 'batch', effect: 'NO_SCHEDULE' } as const;

const deployment = (name: string, replicas: number, podSpec: Omit<V1PodSpec, 'containers'> = {}) =>
  deploymentManifest({ name, replicas, container: { name: 'app', image: 'nginx:1' }, podSpec });

const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { containers: [{ name: 'app', image: 'nginx:1' }], ...spec },
});

/** Each cluster on the emulator has its own control plane; its Nodes are its node groups'; kube-scheduler places pods. */
describe('sandbox clusters: one control plane per cluster, Nodes from node groups, the real scheduler', () => {
  const cluster = uniqueName('second');
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await startTestRuntime();
    await createTestCluster(cluster, [
      {
        nodegroupName: 'general',
        instanceTypes: ['m5.large'],
        scalingConfig: { minSize: 1, maxSize: 6, desiredSize: 2 },
      },
      {
        nodegroupName: 'batch',
        instanceTypes: ['c5.xlarge'],
        capacityType: 'SPOT',
        labels: { workload: 'batch' },
        taints: [BATCH_TAINT],
        scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 2 },
      },
    ]);
  }, 120000);
  afterAll(async () => {
    await deleteTestCluster(cluster);
    await runtime?.close();
  }, 60000);

  const podsOf = async (app: string) =>
    (await (await kubeOf(cluster)).core.listNamespacedPod({ namespace: 'default', labelSelector: `app=${app}` })).items;

  it('gives a second cluster its own API server: a Deployment in one is not seen in the other', async () => {
    // Prepare
    const name = uniqueName('isolated');
    const second = await kubeOf(cluster);
    const { cluster: described } = await eks().send(new DescribeClusterCommand({ name: cluster }));

    // Act
    await second.apps.createNamespacedDeployment({ namespace: 'default', body: deployment(name, 1) });

    // Assess
    expect(described?.endpoint).not.toBe(testStack().controlPlane.server);
    const contexts = new KubeConfig();
    contexts.loadFromFile(defined(testStack().kubeconfig, 'testStack().kubeconfig'));
    expect(contexts.getContexts().map((c) => c.name)).toEqual(expect.arrayContaining(['sandbox', cluster]));
    expect(contexts.getCluster(cluster)?.server).toBe(described?.endpoint);
    expect(contexts.getCurrentContext()).toBe('sandbox');
    expect(described?.certificateAuthority?.data).not.toBe(testStack().controlPlane.caData);
    await expect(second.apps.readNamespacedDeployment({ name, namespace: 'default' })).resolves.toBeDefined();
    await expect(kube().apps.readNamespacedDeployment({ name, namespace: 'default' })).rejects.toMatchObject({
      code: 404,
    });
    await eventually('the pod to be Running on a node of the second cluster', async () => {
      const [p] = await podsOf(name);
      return p?.status?.phase === 'Running' ? p : undefined;
    });
  });

  it("gives node-group Nodes EKS's labels, the group's labels and taints, and allocatable by instance type", async () => {
    // Act
    const batch = await waitForNodes(cluster, 2, 'eks.amazonaws.com/nodegroup=batch');
    const general = await waitForNodes(cluster, 2, 'eks.amazonaws.com/nodegroup=general');

    // Assess
    for (const node of batch) {
      expect(node.metadata?.name).toMatch(/^ip-10-0-\d+-\d+\.ec2\.internal$/);
      expect(node.metadata?.labels).toMatchObject({
        'eks.amazonaws.com/nodegroup': 'batch',
        'eks.amazonaws.com/capacityType': 'SPOT',
        'node.kubernetes.io/instance-type': 'c5.xlarge',
        'kubernetes.io/hostname': node.metadata?.name,
        'topology.kubernetes.io/zone': expect.stringMatching(/^us-east-1[abc]$/),
        workload: 'batch',
      });
      expect(node.spec?.taints).toEqual([{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }]);
      expect(node.status?.capacity).toMatchObject({ cpu: '4', pods: '58' });
      expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
    for (const node of general) {
      expect(node.spec?.taints ?? []).toEqual([]);
      expect(node.status?.capacity).toMatchObject({ cpu: '2', pods: '29' });
      expect(node.status?.allocatable?.cpu).toBe('1930m'); // 2 vCPU less EKS's kube-reserved 70m
    }
  });

  it('keeps pods without the toleration off the tainted nodes; a pod with it can land there', async () => {
    // Prepare
    const untolerated = uniqueName('plain');
    const tolerated = uniqueName('tolerates');
    const { core, apps } = await kubeOf(cluster);
    const batchNodes = new Set((await waitForNodes(cluster, 2, 'workload=batch')).map((n) => n.metadata?.name));

    // Act
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment(untolerated, 12) });
    await core.createNamespacedPod({
      namespace: 'default',
      body: pod(tolerated, {
        nodeSelector: { workload: 'batch' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
      }),
    });

    // Assess
    const placed = await eventually('12 pods placed', async () => {
      const pods = await podsOf(untolerated);
      return pods.length === 12 && pods.every((p) => p.spec?.nodeName) ? pods : undefined;
    });
    expect(placed.filter((p) => batchNodes.has(p.spec?.nodeName))).toEqual([]);
    const landed = await eventually('the tolerating pod to run', async () => {
      const p = await core.readNamespacedPod({ name: tolerated, namespace: 'default' });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(batchNodes.has(landed.spec?.nodeName)).toBe(true);
  });

  it('leaves a pod too big for any node Pending, marked Unschedulable by the scheduler', async () => {
    // Prepare
    const name = uniqueName('too-big');
    const { core } = await kubeOf(cluster);

    // Act
    await core.createNamespacedPod({
      namespace: 'default',
      body: pod(name, {
        containers: [{ name: 'app', image: 'nginx:1', resources: { requests: { cpu: '8', memory: '1Gi' } } }],
      }),
    });

    // Assess
    const unschedulable = await eventually('the scheduler to give up on it', async () => {
      const p: V1Pod = await core.readNamespacedPod({ name, namespace: 'default' });
      const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
      return scheduled?.reason === 'Unschedulable' ? p : undefined;
    });
    expect(unschedulable.spec?.nodeName).toBeUndefined();
    expect(unschedulable.status?.phase).toBe('Pending');
  });

  it('follows the desired size: scale-out adds Nodes, scale-in removes the newest and reschedules their pods', async () => {
    // Prepare
    const name = uniqueName('spread');
    const { apps } = await kubeOf(cluster);
    const spread = {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { app: name } },
        },
      ],
      nodeSelector: { 'eks.amazonaws.com/nodegroup': 'general' },
    };
    const scaleTo = (desiredSize: number) =>
      eks().send(
        new UpdateNodegroupConfigCommand({
          clusterName: cluster,
          nodegroupName: 'general',
          scalingConfig: { minSize: 1, maxSize: 6, desiredSize },
        }),
      );

    // Act
    await scaleTo(4);
    const grown = await waitForNodes(cluster, 4, 'eks.amazonaws.com/nodegroup=general');
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment(name, 8, spread) });
    const before = await eventually('8 pods running on 4 nodes', async () => {
      const pods = await podsOf(name);
      const running = pods.filter((p) => p.status?.phase === 'Running');
      return running.length === 8 && new Set(running.map((p) => p.spec?.nodeName)).size === 4 ? running : undefined;
    });
    await scaleTo(1);
    const shrunk = await waitForNodes(cluster, 1, 'eks.amazonaws.com/nodegroup=general');

    // Assess
    const oldest = [...grown].sort(
      (a, b) =>
        Number(a.metadata?.annotations?.['sandbox.eksflow.io/sequence']) -
        Number(b.metadata?.annotations?.['sandbox.eksflow.io/sequence']),
    )[0];
    expect(shrunk.map((n) => n.metadata?.name)).toEqual([defined(oldest, 'oldest').metadata?.name]);
    const after = await eventually('8 pods running again, all on the remaining node', async () => {
      const pods = await podsOf(name);
      const running = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
      return pods.length === 8 &&
        running.length === 8 &&
        running.every((p) => p.spec?.nodeName === defined(oldest, 'oldest').metadata?.name)
        ? running
        : undefined;
    });
    const rescheduled = after.filter((p) => !before.some((b) => b.metadata?.uid === p.metadata?.uid));
    const onRemoved = before.filter((p) => p.spec?.nodeName !== defined(oldest, 'oldest').metadata?.name);
    expect(rescheduled.length).toBe(onRemoved.length);
    expect(onRemoved.length).toBeGreaterThan(0);
  }, 60000);

  it("counts each EKS write in the emulator's change feed, which the fleet long-polls instead of polling", async () => {
    // Prepare
    const changesAfter = async (after: number, waitMs: number) => {
      const response = await fetch(
        `${testStack().emulatorEndpoint}/_eksflow/changes/eks?after=${after}&waitMs=${waitMs}`,
      );
      return ((await response.json()) as { seq: number }).seq;
    };
    const before = await changesAfter(0, 0);

    // Act: a write the fleet must follow (the batch group's desired size, unchanged).
    const waiting = changesAfter(before, 30000);
    await eks().send(
      new UpdateNodegroupConfigCommand({
        clusterName: cluster,
        nodegroupName: 'batch',
        scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 2 },
      }),
    );

    // Assess: the wait ends with a higher count (a timeout would answer `before` itself).
    expect(before).toBeGreaterThan(0);
    expect(await waiting).toBeGreaterThan(before);
  }, 60000);

  it("removes a deleted node group's Nodes and keeps the others", async () => {
    // Act
    await eks().send(new DeleteNodegroupCommand({ clusterName: cluster, nodegroupName: 'batch' }));

    // Assess
    await waitForNodes(cluster, 0, 'eks.amazonaws.com/nodegroup=batch');
    expect(await waitForNodes(cluster, 1, 'eks.amazonaws.com/nodegroup=general')).toHaveLength(1);
  });

  it("stops a deleted cluster's control plane (its port refuses) and then knows it no more (404 from our API)", async () => {
    // Prepare
    const name = uniqueName('doomed');
    const client = eks();
    const fixtures = await ensureNetworkAndRole(awsClientConfig());
    const created = await client.send(
      new CreateClusterCommand({
        name,
        roleArn: fixtures.roleArn,
        resourcesVpcConfig: { subnetIds: fixtures.subnetIds },
      }),
    );
    const active = await eventually('ACTIVE', async () => {
      const { cluster: c } = await client.send(new DescribeClusterCommand({ name }));
      return c?.status === 'ACTIVE' ? c : undefined;
    });
    const { core } = await kubeOf(name);
    await core.listNamespace({ limit: 1 });

    // Act
    const deleting = await client.send(new DeleteClusterCommand({ name }));
    const repeated = await client.send(new DeleteClusterCommand({ name }));
    await eventually('the cluster to be gone', async () =>
      client.send(new DescribeClusterCommand({ name })).then(
        () => undefined,
        (error) => (error.name === 'ResourceNotFoundException' ? true : undefined),
      ),
    );
    const rollout = await api(runtime, 'POST', '/rollouts', {
      cluster: name,
      namespace: 'default',
      deployment: 'web',
      image: 'nginx:2',
      canary: { steps: [{ setWeight: 50 }] },
    });

    // Assess
    expect(created.cluster?.status).toBe('CREATING');
    expect(created.cluster?.endpoint).toBeUndefined();
    expect(active.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(deleting.cluster?.status).toBe('DELETING');
    expect(repeated.cluster?.status).toBe('DELETING');
    await expect(fetch(`${active.endpoint}/readyz`)).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
    expect(rollout.status).toBe(404);
    const contexts = await eventually('the kubeconfig without its context', async () => {
      const config = new KubeConfig();
      config.loadFromFile(defined(testStack().kubeconfig, 'testStack().kubeconfig'));
      const names = config.getContexts().map((c) => c.name);
      return names.includes(name) ? undefined : names;
    });
    expect(contexts).toContain('sandbox');
    expect(rollout.body.error.details).toEqual([{ field: 'cluster', reason: expect.any(String) }]);
  }, 60000);
});

/** A lost control plane, someone else's edit, a delete while starting, a name used again. */
describe('sandbox clusters when things go wrong', () => {
  const refused = { cause: expect.objectContaining({ code: 'ECONNREFUSED' }) };
  const created: string[] = [];
  afterAll(async () => {
    await Promise.all(created.map(deleteTestCluster));
  }, 60000);
  const newCluster = async (prefix: string, nodes = 0) => {
    const name = uniqueName(prefix);
    created.push(name);
    await createTestCluster(
      name,
      nodes
        ? [
            {
              nodegroupName: 'ng',
              instanceTypes: ['m5.large'],
              scalingConfig: { minSize: 0, maxSize: 5, desiredSize: nodes },
            },
          ]
        : [],
    );
    return name;
  };
  const describeCluster = async (name: string) =>
    defined(
      (await eks().send(new DescribeClusterCommand({ name }))).cluster,
      '(await eks().send(new DescribeClusterCommand({ name })))....',
    );

  it('replaces a control plane that died: DescribeCluster points at the new one, and the Nodes are back', async () => {
    // Prepare
    const name = await newCluster('crashed', 2);
    const before = await describeCluster(name);
    const [pid] = controlPlanePids(name);

    // Act
    process.kill(defined(pid, 'pid'), 'SIGKILL');
    const after = await eventually('a new endpoint', async () => {
      const c = await describeCluster(name);
      return c.endpoint !== before.endpoint ? c : undefined;
    });

    // Assess
    expect(pid).toBeGreaterThan(0);
    expect(after.status).toBe('ACTIVE');
    await expect(fetch(`${before.endpoint}/readyz`)).rejects.toMatchObject(refused);
    expect(await waitForNodes(name, 2)).toHaveLength(2);
    expect(controlPlanePids(name)).toHaveLength(1);
  }, 60000);

  it('puts back a node-group Node that someone deleted by hand', async () => {
    // Prepare
    const name = await newCluster('edited', 2);
    const { core } = await kubeOf(name);
    const [victim] = await waitForNodes(name, 2);

    // Act
    await core.deleteNode({
      name: defined(victim?.metadata?.name, 'victim?.metadata.name'),
    });

    // Assess
    const repaired = await eventually('two nodes again, one of them new', async () => {
      const { items } = await core.listNode();
      return items.length === 2 && items.every((n) => n.metadata?.uid !== defined(victim, 'victim').metadata?.uid)
        ? items
        : undefined;
    });
    expect(repaired.map((n) => n.metadata?.name)).not.toContain(defined(victim, 'victim').metadata?.name);
  }, 60000);

  it('stops the control plane of a cluster deleted while it was still starting, and forgets the cluster', async () => {
    // Prepare: two clusters at once, so at least one control plane starts from nothing (the fleet keeps one spare
    // started ahead, which the other may take): its process is there while its cluster is CREATING
    const names = [uniqueName('hasty'), uniqueName('hasty')];
    const fixtures = await ensureNetworkAndRole(awsClientConfig());
    await Promise.all(
      names.map((name) =>
        eks().send(
          new CreateClusterCommand({
            name,
            roleArn: fixtures.roleArn,
            resourcesVpcConfig: { subnetIds: fixtures.subnetIds },
          }),
        ),
      ),
    );
    const { name, starting } = await eventually('a control plane process of a cluster still CREATING', async () => {
      for (const name of names) {
        const [pid] = controlPlanePids(name);
        if (pid && (await describeCluster(name)).status === 'CREATING') return { name, starting: pid };
      }
      return undefined;
    });

    // Act
    const deleting = await eks().send(new DeleteClusterCommand({ name }));
    await eventually('the cluster to be gone', async () =>
      eks()
        .send(new DescribeClusterCommand({ name }))
        .then(
          () => undefined,
          (error) => (error.name === 'ResourceNotFoundException' ? true : undefined),
        ),
    );
    await Promise.all(names.filter((other) => other !== name).map((other) => deleteTestCluster(other)));

    // Assess
    expect(deleting.cluster?.status).toBe('DELETING');
    expect(processAlive(starting)).toBe(false);
    expect(controlPlanePids(name)).toEqual([]);
  }, 60000);

  it('gives a cluster deleted and created again under its name a fresh control plane', async () => {
    // Prepare
    const name = await newCluster('reborn');
    const first = await describeCluster(name);
    const { core } = await kubeOf(name);
    await core.createNamespace({ body: { metadata: { name: 'left-over' } } });

    // Act
    await deleteTestCluster(name);
    await createTestCluster(name);
    const second = await describeCluster(name);

    // Assess
    expect(second.endpoint).not.toBe(first.endpoint);
    await expect((await kubeOf(name)).core.readNamespace({ name: 'left-over' })).rejects.toMatchObject({ code: 404 });
    expect(controlPlanePids(name)).toHaveLength(1);
  }, 60000);
});
