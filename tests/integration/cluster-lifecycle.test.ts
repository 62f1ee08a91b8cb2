import { DescribeClusterCommand, EKSClient, ListAddonsCommand, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { NODEGROUP_LABEL } from '../../local/sandbox/nodes/node-manifest';
import {
  deleteClustersMade,
  fullSpec,
  kubeOf,
  operationDone,
  PROVISION_STEPS,
  track,
} from '../helpers/cluster-fixtures';
import { controlPlanePids, processAlive } from '../helpers/clusters';
import { defined } from '../helpers/defined';
import {
  api,
  apiAs,
  awsClientConfig,
  eventually,
  startTestRuntime,
  type TestRuntime,
  uniqueName,
} from '../helpers/stack';

/**
 * Issue 9 end to end on the real stack: POST /clusters with the full spec of "Must be true", the same POST
 * again, GET, DELETE; dry runs; 409s; the restricted identity refused with nothing created.
 */
describe('cluster lifecycle through the HTTP API', () => {
  let runtime: TestRuntime;
  const eks = new EKSClient(awsClientConfig());
  beforeAll(async () => {
    runtime = await startTestRuntime({ autoAdvance: true });
  });
  afterAll(async () => {
    await deleteClustersMade();
    await runtime?.close();
  });

  it('provisions the full spec, converges on a repeat that changes nothing, shows it all, and deletes it all', async () => {
    // Prepare
    const spec = fullSpec(uniqueName('full'));

    // Act: provision
    const accepted = await api(runtime, 'POST', '/clusters', spec);
    const operation = await operationDone(runtime, accepted.body.operationId);

    // Assess: the operation, EKS, and the cluster's own API server
    expect(accepted.status).toBe(202);
    expect(operation.status).toBe('Succeeded');
    expect(operation.steps.map((s: { name: string }) => s.name)).toEqual(PROVISION_STEPS);
    expect(operation.cost.invocations.ensureComponent).toBe(5);
    const execution = runtime.engine.get(`provision-cluster:${accepted.body.operationId}`);
    expect(operation.cost.transitions).toBe(execution?.statesEntered.length);
    expect(operation.cost.transitions).toBeGreaterThan(10);
    const cluster = await api(runtime, 'GET', `/clusters/${spec.name}`);
    expect(cluster.status).toBe(200);
    expect(cluster.body.controlPlane.status).toBe('ACTIVE');
    expect(cluster.body.nodegroups.map((n: { name: string }) => n.name).sort()).toEqual(['batch', 'general']);
    const batch = cluster.body.nodegroups.find((n: { name: string }) => n.name === 'batch');
    expect(batch.taints).toEqual([{ key: 'dedicated', value: 'batch', effect: 'NO_SCHEDULE' }]);
    expect(cluster.body.addons.map((a: { status: string }) => a.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect(cluster.body.addons.find((a: { name: string }) => a.name === 'coredns').version).toBe('v1.12.1-eksbuild.2');
    // The spec's entry, beside those eksflow gives its own roles (the baseline role as cluster admin).
    expect(cluster.body.access).toEqual(
      expect.arrayContaining([
        {
          principalArn: defined(spec.access[0], 'spec.access[0]').principalArn,
          policies: [
            {
              policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
              namespaces: [defined(spec.namespaces[0], 'spec.namespaces[0]').name],
            },
          ],
        },
        {
          principalArn: expect.stringMatching(/:role\/eksflow-dev-us-east-1-provisionApplyBaseline$/),
          policies: [{ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy' }],
        },
      ]),
    );
    expect(cluster.body.operations[0]).toMatchObject({ id: accepted.body.operationId, status: 'Succeeded' });
    const k = await kubeOf(runtime, spec.name);
    for (const ns of spec.namespaces) {
      const quota = await k.core.readNamespacedResourceQuota({ name: 'eksflow-quota', namespace: ns.name });
      expect(quota.spec?.hard).toEqual(ns.quota);
      const policy = await k.objects.read({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'eksflow-default-deny', namespace: ns.name },
      });
      expect((policy as { spec?: { policyTypes?: string[] } }).spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    }
    const limits = await k.core.readNamespacedLimitRange({
      name: 'eksflow-limits',
      namespace: defined(spec.namespaces[0], 'spec.namespaces[0]').name,
    });
    expect(limits.spec?.limits[0]?._default).toEqual({ cpu: '500m', memory: '512Mi' });
    const managedFields = (await k.core.readNamespace({ name: defined(spec.namespaces[0], 'spec.namespaces[0]').name }))
      .metadata?.managedFields;
    expect(managedFields?.some((f) => f.manager === 'eksflow' && f.operation === 'Apply')).toBe(true);

    // Assess: on the cluster's own API server, the nodes of both node groups, with their labels and taints
    const nodes = await eventually("the node groups' Nodes", async () => {
      const list = (await k.core.listNode()).items;
      return list.length === 3 ? list : undefined;
    });
    const ofGroup = (group: string) => nodes.filter((n) => n.metadata?.labels?.[NODEGROUP_LABEL] === group);
    expect(ofGroup('general').map((n) => n.metadata?.labels?.tier)).toEqual(['general', 'general']);
    expect(ofGroup('batch').map((n) => n.spec?.taints)).toEqual([
      [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
    ]);
    // A pod without a toleration never lands on the tainted nodes (the scheduler places it; LimitRange sizes it).
    const tainted = new Set(ofGroup('batch').map((n) => n.metadata?.name));
    const namespace = defined(spec.namespaces[0], 'spec.namespaces[0]').name;
    for (let i = 0; i < 4; i++)
      await k.core.createNamespacedPod({
        namespace,
        body: { metadata: { name: `plain-${i}` }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } },
      });
    const placed = await eventually('the pods to be scheduled', async () => {
      const pods = (await k.core.listNamespacedPod({ namespace })).items;
      return pods.length === 4 && pods.every((p) => p.spec?.nodeName) ? pods : undefined;
    });
    expect(placed.filter((p) => tainted.has(p.spec?.nodeName))).toEqual([]);
    expect(placed[0]?.spec?.containers[0]?.resources?.limits).toEqual({ cpu: '500m', memory: '512Mi' });

    // Act: the same POST again
    const executionsBefore = runtime.engine.list().length;
    const again = await api(runtime, 'POST', '/clusters', spec);

    // Assess: nothing to change, and nothing started
    expect(again.status).toBe(200);
    expect(again.body.changed).toBe(false);
    expect(again.body.message).toContain('nothing to change');
    expect(runtime.engine.list().length).toBe(executionsBefore);

    // Act: delete (a dry run first, then for real, then again)
    const plan = await api(runtime, 'DELETE', `/clusters/${spec.name}?dryRun=true`);
    const pids = controlPlanePids(spec.name);
    const deleting = await api(runtime, 'DELETE', `/clusters/${spec.name}`);
    const deletingAgain = await api(runtime, 'DELETE', `/clusters/${spec.name}`);
    const deleted = await operationDone(runtime, deleting.body.operationId);
    const afterwards = await api(runtime, 'DELETE', `/clusters/${spec.name}`);

    // Assess: node groups and add-ons first, then the control plane; the repeat names the running delete
    expect(plan.status).toBe(200);
    expect(plan.body.plan.at(-1)).toEqual({ resource: 'controlPlane', name: spec.name, action: 'delete' });
    expect(plan.body.plan.filter((p: { action: string }) => p.action === 'delete')).toHaveLength(6);
    expect(deleting.status).toBe(202);
    expect(deletingAgain.status).toBe(409);
    expect(deletingAgain.body.error.details[0]).toMatchObject({ field: 'operationId' });
    expect(deletingAgain.body.error.message).toContain(deleting.body.operationId);
    expect(deleted.status).toBe('Succeeded');
    expect(afterwards.status).toBe(404);
    expect(pids).toHaveLength(1);
    expect(pids.filter(processAlive)).toEqual([]);
    expect(controlPlanePids(spec.name)).toEqual([]);
    await expect(eks.send(new DescribeClusterCommand({ name: spec.name }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  }, 120000);

  it('a dry run answers the plan and changes nothing', async () => {
    // Prepare
    const spec = fullSpec(uniqueName('dry'));

    // Act
    const dry = await api(runtime, 'POST', '/clusters?dryRun=true', spec);

    // Assess
    expect(dry.status).toBe(200);
    expect(dry.body.plan.map((p: { resource: string; action: string }) => `${p.resource}:${p.action}`)).toEqual([
      'controlPlane:create',
      'nodegroup:create',
      'nodegroup:create',
      'addon:create',
      'addon:create',
      'addon:create',
      'accessEntry:create',
      'baseline:create',
    ]);
    await expect(eks.send(new DescribeClusterCommand({ name: spec.name }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('GET /clusters lists each cluster with its status and last operation; a bad flag is a 400 naming it', async () => {
    // Prepare
    const name = track(uniqueName('listed'));
    const accepted = await api(runtime, 'POST', '/clusters', { name });
    await operationDone(runtime, accepted.body.operationId);

    // Act
    const list = await api(runtime, 'GET', '/clusters');
    const badFlag = await api(runtime, 'POST', '/clusters?dryRun=maybe', { name: uniqueName('flag') });

    // Assess
    expect(list.status).toBe(200);
    expect(list.body.clusters.find((c: { name: string }) => c.name === name)).toMatchObject({
      status: 'ACTIVE',
      managed: true,
      lastOperation: { id: accepted.body.operationId, kind: 'ProvisionCluster', status: 'Succeeded' },
    });
    expect(list.body.clusters.find((c: { name: string }) => c.name === 'sandbox')).toMatchObject({ managed: true });
    expect(badFlag.status).toBe(400);
    expect(badFlag.body.error.details).toEqual([{ field: 'dryRun', reason: 'must be true or false' }]);
  });

  it('a second POST of the same spec while the first runs → 409 naming the running operation', async () => {
    // Prepare
    const spec = fullSpec(uniqueName('dup'));

    // Act
    const [first, second] = await Promise.all([
      api(runtime, 'POST', '/clusters', spec),
      api(runtime, 'POST', '/clusters', spec),
    ]);
    const answers = [first, second].sort((a, b) => a.status - b.status);
    const operation = await operationDone(runtime, defined(answers[0], 'answers[0]').body.operationId);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([202, 409]);
    expect(answers[1]?.body.error.message).toContain(defined(answers[0], 'answers[0]').body.operationId);
    expect(operation.status).toBe('Succeeded');
  }, 90000);

  it('a changed spec updates what EKS allows and reports what it does not', async () => {
    // Prepare
    const spec = fullSpec(uniqueName('conv'));
    await operationDone(runtime, (await api(runtime, 'POST', '/clusters', spec)).body.operationId);
    const changed = {
      ...spec,
      nodegroups: [
        { ...spec.nodegroups[0], desiredSize: 3, labels: { tier: 'general', zone: 'a' } },
        { ...spec.nodegroups[1], instanceTypes: ['r6i.large'] },
      ],
      namespaces: [
        spec.namespaces[0],
        {
          name: defined(spec.namespaces[1], 'spec.namespaces[1]').name,
          networkPolicy: 'allow-same-namespace' as const,
        },
      ],
    };

    // Act
    const accepted = await api(runtime, 'POST', '/clusters', changed);
    const operation = await operationDone(runtime, accepted.body.operationId);

    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.body.plan).toEqual(
      expect.arrayContaining([
        { resource: 'nodegroup', name: 'general', action: 'update', changes: ['desiredSize', 'labels'] },
        { resource: 'nodegroup', name: 'batch', action: 'needs-replacement', changes: ['instanceTypes'] },
      ]),
    );
    expect(operation.status).toBe('Succeeded');
    expect(operation.warnings).toEqual(['node group batch: instanceTypes changed, which needs a new node group']);
    const general = await api(runtime, 'GET', `/clusters/${spec.name}`);
    expect(general.body.nodegroups.find((n: { name: string }) => n.name === 'general')).toMatchObject({
      desiredSize: 3,
      labels: { tier: 'general', zone: 'a' },
    });
    expect(operation.created ?? []).toEqual([]);
    const k = await kubeOf(runtime, spec.name);
    const teamB = defined(spec.namespaces[1], 'spec.namespaces[1]').name;
    const policy = (name: string) =>
      k.objects
        .read({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: teamB } })
        .then(
          (p) => p as { spec?: { ingress?: Array<{ _from?: unknown[] }> } },
          () => undefined,
        );
    expect(await policy('eksflow-default-deny')).toBeUndefined();
    expect((await policy('eksflow-allow-same-namespace'))?.spec?.ingress?.[0]?._from).toEqual([{ podSelector: {} }]);
    await expect(k.core.readNamespacedResourceQuota({ name: 'eksflow-quota', namespace: teamB })).rejects.toMatchObject(
      { code: 404 },
    );
  }, 120000);

  it('the restricted identity may not create, read or delete a cluster: 403, and nothing is created', async () => {
    // Prepare
    const spec = fullSpec(uniqueName('authz'));
    const existing = fullSpec(uniqueName('authz-existing'));
    await operationDone(runtime, (await api(runtime, 'POST', '/clusters', { name: existing.name })).body.operationId);

    // Act
    const post = await apiAs(SANDBOX_RESTRICTED.principalArn, runtime, 'POST', '/clusters', spec);
    const get = await apiAs(SANDBOX_RESTRICTED.principalArn, runtime, 'GET', `/clusters/${existing.name}`);
    const del = await apiAs(SANDBOX_RESTRICTED.principalArn, runtime, 'DELETE', `/clusters/${existing.name}`);
    const list = await apiAs(SANDBOX_RESTRICTED.principalArn, runtime, 'GET', '/clusters');
    const [lastOperation] = (await api(runtime, 'GET', `/clusters/${existing.name}`)).body.operations;
    const retry = await apiAs(
      SANDBOX_RESTRICTED.principalArn,
      runtime,
      'POST',
      `/operations/${lastOperation.id}/retry`,
    );

    // Assess
    // An operation the caller may not read is a 404, as if it did not exist (issue 16).
    expect([post.status, get.status, del.status, retry.status]).toEqual([403, 403, 403, 404]);
    expect(post.body.error.message).toContain(spec.name);
    await expect(eks.send(new DescribeClusterCommand({ name: spec.name }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect((await eks.send(new DescribeClusterCommand({ name: existing.name }))).cluster?.status).toBe('ACTIVE');
    expect(list.status).toBe(200);
    expect(list.body.clusters.map((c: { name: string }) => c.name)).not.toContain(existing.name);
  }, 60000);

  it('deletes only clusters eksflow created (tag eksflow:managed): 409, and nothing deleted', async () => {
    // Prepare: a cluster made directly on EKS, without eksflow's tag
    const foreign = track(uniqueName('foreign'));
    const { clusterDefaults } = runtime.container.config;
    const { CreateClusterCommand } = await import('@aws-sdk/client-eks');
    await eks.send(
      new CreateClusterCommand({
        name: foreign,
        roleArn: clusterDefaults.roleArn,
        resourcesVpcConfig: { subnetIds: clusterDefaults.subnetIds },
      }),
    );

    // Act
    const refused = await api(runtime, 'DELETE', `/clusters/${foreign}`);

    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual([{ field: 'name', reason: 'not tagged eksflow:managed=true' }]);
    expect((await eks.send(new DescribeClusterCommand({ name: foreign }))).cluster).toBeDefined();
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: foreign }))).nodegroups).toEqual([]);
    expect((await eks.send(new ListAddonsCommand({ clusterName: foreign }))).addons).toEqual([]);
  });
});
