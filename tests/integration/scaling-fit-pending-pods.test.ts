import { createNodegroup, emulatorNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import { api, eventually, kube, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

/**
 * Issue 10 item 4 in the sandbox: Pending pods that the scheduler could not place and that a new node of
 * the group could host (taints, selectors, requests against its instance type) raise its desired size;
 * the sandbox's Nodes follow, and the pods run. Each group's Nodes are m6i.large (1930m allocatable):
 * pods of 1500m take a node each.
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
  async function podFor(pool: string, cpu: string) {
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
    return name;
  }

  const phaseOf = async (name: string) => {
    const pod = await kube().core.readNamespacedPod({ namespace, name });
    const unschedulable = pod.status?.conditions?.some(
      (c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable',
    );
    return unschedulable ? 'Unschedulable' : (pod.status?.phase ?? 'Unknown');
  };
  /** Waits until each pod is in the phase given (Running, or Unschedulable: Pending, tried and refused). */
  const waitForPhases = (expected: Record<string, string>) =>
    eventually(
      `pods ${JSON.stringify(expected)}`,
      async () => {
        const phases = await Promise.all(Object.keys(expected).map(phaseOf));
        return phases.every((p, i) => p === Object.values(expected)[i]) ? true : undefined;
      },
      30000,
    );

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

  const scale = (ng: NodegroupFixture, body: unknown) =>
    api(runtime, 'POST', `/clusters/sandbox/nodegroups/${ng.name}/scale`, body);
  const finished = (id: string) =>
    eventually(`operation ${id}`, async () => {
      const { body } = await api(runtime, 'GET', `/operations/${id}`);
      return body.status === 'Running' ? undefined : body;
    });

  it('one node full, three pods Unschedulable: desired 1 → 4, the Nodes follow and the pods run; pods it cannot host are left out', async () => {
    // Prepare
    const { ng, pool } = await poolGroup(1, 6);
    const first = await podFor(pool, '1500m');
    await waitForPhases({ [first]: 'Running' });
    const waiting = [await podFor(pool, '1500m'), await podFor(pool, '1500m'), await podFor(pool, '1500m')];
    const otherPool = await podFor(uniqueName('other'), '100m');
    const tooBig = await podFor(pool, '3');
    await waitForPhases(Object.fromEntries([...waiting, otherPool, tooBig].map((n) => [n, 'Unschedulable'])));

    // Act
    const accepted = await scale(ng, { fitPendingPods: true });
    const operation = await finished(accepted.body.operationId);
    await waitForPhases(Object.fromEntries(waiting.map((n) => [n, 'Running'])));

    // Assess
    expect(accepted.status).toBe(202);
    expect(operation.status).toBe('Succeeded');
    expect(operation.scale.to.desiredSize).toBe(4);
    expect([...operation.scale.fittingPods].sort()).toEqual(waiting.map((n) => `${namespace}/${n}`).sort());
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 4 });
    const nodes = await kube().core.listNode({ labelSelector: `pool=${pool}` });
    expect(nodes.items).toHaveLength(4);
    expect(await phaseOf(tooBig)).toBe('Unschedulable');
  });

  it('stays within max, and never lowers the desired size', async () => {
    // Prepare
    const { ng, pool } = await poolGroup(1, 2);
    const first = await podFor(pool, '1500m');
    await waitForPhases({ [first]: 'Running' });
    const waiting = [await podFor(pool, '1500m'), await podFor(pool, '1500m')];
    await waitForPhases(Object.fromEntries(waiting.map((n) => [n, 'Unschedulable'])));
    const { ng: idle } = await poolGroup(3, 8);

    // Act
    const capped = await scale(ng, { fitPendingPods: true });
    const nothingPending = await scale(idle, { fitPendingPods: true });
    const [cappedOp, unchangedOp] = await Promise.all([
      finished(capped.body.operationId),
      finished(nothingPending.body.operationId),
    ]);

    // Assess
    expect(cappedOp.scale.to.desiredSize).toBe(2);
    expect(unchangedOp.scale.to.desiredSize).toBe(3);
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 2 });
    expect(await emulatorNodegroup(idle)).toMatchObject({ desiredSize: 3 });
  });

  it('protectPending refuses a scale-in while pods the group could host are Unschedulable (409), changing nothing', async () => {
    // Prepare
    const { ng, pool } = await poolGroup(1, 6);
    const first = await podFor(pool, '1500m');
    await waitForPhases({ [first]: 'Running' });
    const waiting = await podFor(pool, '1500m');
    await waitForPhases({ [waiting]: 'Unschedulable' });

    // Act
    const refused = await scale(ng, { desiredSize: 0, protectPending: true });
    const scaleOutAllowed = await scale(ng, { desiredSize: 2, protectPending: true });
    await finished(scaleOutAllowed.body.operationId);

    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body.error.details[0].field).toBe('protectPending');
    expect(refused.body.error.details[0].reason).toContain(`${namespace}/${waiting}`);
    expect(scaleOutAllowed.status).toBe(202);
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 2 });
  });
});
