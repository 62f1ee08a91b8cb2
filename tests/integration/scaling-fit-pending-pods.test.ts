import { createNodegroup, emulatorNodegroup } from '../helpers/nodegroups';
import { api, eventually, kube, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

/**
 * Issue 10 item 4 against the Kubernetes API: Pending pods that a node group could host (taints,
 * selectors, requests against its instance type) raise its desired size; others are left out.
 * The test control plane has no Nodes of these groups, so the pods stay Pending (nothing binds them).
 */
describe('scale to fit pending pods', () => {
  let runtime: TestRuntime;
  let namespace: string;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    namespace = uniqueName('fit');
    await kube().core.createNamespace({ body: { metadata: { name: namespace } } });
  }, 60000);
  afterAll(async () => {
    await kube()
      .core.deleteNamespace({ name: namespace })
      .catch(() => undefined);
    await runtime?.close();
  });

  /** A pod that only a node of `pool` (tainted dedicated=<pool>) would take. */
  async function pendingPod(pool: string, cpu: string) {
    const name = uniqueName('job');
    await kube().core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name },
        spec: {
          nodeSelector: { pool },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: pool, effect: 'NoSchedule' }],
          containers: [{ name: 'work', image: 'busybox:1', resources: { requests: { cpu, memory: '256Mi' } } }],
        },
      },
    });
    return `${namespace}/${name}`;
  }

  async function poolGroup(desiredSize: number, maxSize: number) {
    const pool = uniqueName('pool');
    const ng = await createNodegroup({
      minSize: 0,
      maxSize,
      desiredSize,
      instanceTypes: ['m6i.large'],
      labels: { pool },
      taints: [{ key: 'dedicated', value: pool, effect: 'NO_SCHEDULE' }],
    });
    return { ng, pool };
  }

  const finished = (id: string) =>
    eventually(`operation ${id}`, async () => {
      const { body } = await api(runtime, 'GET', `/operations/${id}`);
      return body.status === 'Running' ? undefined : body;
    });

  it('raises the desired size by the nodes the pods need (1500m of 1930m: one pod a node), ignoring pods it cannot host', async () => {
    // Prepare
    const { ng, pool } = await poolGroup(1, 6);
    const fitting = [await pendingPod(pool, '1500m'), await pendingPod(pool, '1500m'), await pendingPod(pool, '1500m')];
    const otherPool = await pendingPod(uniqueName('other'), '100m');
    const tooBig = await pendingPod(pool, '3');

    // Act
    const accepted = await api(runtime, 'POST', `/clusters/sandbox/nodegroups/${ng.name}/scale`, {
      fitPendingPods: true,
    });
    const operation = await finished(accepted.body.operationId);

    // Assess
    expect(accepted.status).toBe(202);
    expect(operation.status).toBe('Succeeded');
    expect(operation.scale.to.desiredSize).toBe(4);
    expect([...operation.scale.fittingPods].sort()).toEqual([...fitting].sort());
    expect(operation.scale.fittingPods).not.toContain(otherPool);
    expect(operation.scale.fittingPods).not.toContain(tooBig);
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 4 });
  });

  it('stays within max, and never lowers the desired size', async () => {
    // Prepare
    const { ng, pool } = await poolGroup(2, 3);
    await pendingPod(pool, '1500m');
    await pendingPod(pool, '1500m');
    const { ng: big } = await poolGroup(5, 8);

    // Act
    const capped = await api(runtime, 'POST', `/clusters/sandbox/nodegroups/${ng.name}/scale`, {
      fitPendingPods: true,
    });
    const nothingPending = await api(runtime, 'POST', `/clusters/sandbox/nodegroups/${big.name}/scale`, {
      fitPendingPods: true,
    });
    const [cappedOp, unchangedOp] = await Promise.all([
      finished(capped.body.operationId),
      finished(nothingPending.body.operationId),
    ]);

    // Assess
    expect(cappedOp.scale.to.desiredSize).toBe(3);
    expect(unchangedOp.scale.to.desiredSize).toBe(5);
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 3 });
    expect(await emulatorNodegroup(big)).toMatchObject({ desiredSize: 5 });
  });

  it('protectPending refuses a scale-in while pods the group could host are Pending (409), changing nothing', async () => {
    // Prepare
    const { ng, pool } = await poolGroup(4, 6);
    const pod = await pendingPod(pool, '500m');

    // Act
    const refused = await api(runtime, 'POST', `/clusters/sandbox/nodegroups/${ng.name}/scale`, {
      desiredSize: 1,
      protectPending: true,
    });
    const scaleOutAllowed = await api(runtime, 'POST', `/clusters/sandbox/nodegroups/${ng.name}/scale`, {
      desiredSize: 5,
      protectPending: true,
    });
    await finished(scaleOutAllowed.body.operationId);

    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body.error.details[0].field).toBe('protectPending');
    expect(refused.body.error.details[0].reason).toContain(pod);
    expect(scaleOutAllowed.status).toBe(202);
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 5 });
  });
});
