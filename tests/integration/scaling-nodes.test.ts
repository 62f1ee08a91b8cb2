import { MANAGED_TAG } from '../../core/clusters/domain/cluster';
import { createTestCluster, deleteTestCluster, grantEksflowAccessOn, kubeOf, waitForNodes } from '../helpers/clusters';
import { deploymentManifest } from '../helpers/manifests';
import { UPDATE_SECONDS_TAG } from '../helpers/nodegroups';
import { createAlarm, setAlarm } from '../helpers/rollout-fixtures';
import { api, eventually, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

const BATCH_TAINT = { key: 'dedicated', value: 'batch', effect: 'NO_SCHEDULE' } as const;

/**
 * Issue 10 end to end in the sandbox: each way of scaling changes the emulator's node group and the
 * cluster's Kubernetes Nodes (the sandbox makes one Node per desired instance), and Pending pods that
 * need the capacity run after fit-pending-pods (the real kube-scheduler places them).
 */
describe('node-group scaling moves the Kubernetes Nodes', () => {
  const cluster = uniqueName('scaling');
  let runtime: TestRuntime;
  const general = 'eks.amazonaws.com/nodegroup=general';
  const batch = 'eks.amazonaws.com/nodegroup=batch';
  beforeAll(async () => {
    runtime = await startTestRuntime();
    await createTestCluster(
      cluster,
      [
        {
          nodegroupName: 'general',
          instanceTypes: ['m5.large'],
          scalingConfig: { minSize: 1, maxSize: 6, desiredSize: 1 },
          tags: { [UPDATE_SECONDS_TAG]: '1' },
        },
        {
          nodegroupName: 'batch',
          instanceTypes: ['c5.xlarge'],
          labels: { workload: 'batch' },
          taints: [BATCH_TAINT],
          scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 0 },
          tags: { [UPDATE_SECONDS_TAG]: '1' },
        },
      ],
      // Scaling acts only on clusters eksflow manages: this one stands for a cluster eksflow provisioned.
      { tags: { [MANAGED_TAG]: 'true' } },
    );
    // The access entries and RBAC eksflow's roles have on a cluster eksflow provisions (scaling reads pods).
    await grantEksflowAccessOn(cluster);
  }, 120000);
  afterAll(async () => {
    await deleteTestCluster(cluster);
    await runtime?.close();
  }, 60000);

  const path = (ng: string, rest = '') => `/clusters/${cluster}/nodegroups/${ng}${rest}`;
  const finished = (id: string) =>
    eventually(`operation ${id}`, async () => {
      const { body } = await api(runtime, 'GET', `/operations/${id}`);
      return body.status === 'Running' ? undefined : body;
    });
  const idle = (ng: string) =>
    eventually(`${ng} idle`, async () => {
      const v = (await api(runtime, 'GET', path(ng))).body;
      return v.activeOperationId === undefined ? v : undefined;
    });

  it('an API call: 1 → 3 Nodes, then a scale-in back to 2 reports the pods it rescheduled', async () => {
    // Prepare
    const { apps } = await kubeOf(cluster);
    const app = uniqueName('web');
    // Act
    const out = await api(runtime, 'POST', path('general', '/scale'), { desiredSize: 3 });
    await finished(out.body.operationId);
    const three = await waitForNodes(cluster, 3, general);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: deploymentManifest({
        name: app,
        replicas: 3,
        container: { name: 'app', image: 'nginx:1', resources: { requests: { cpu: '1200m' } } },
      }),
    });
    await eventually('3 replicas ready', async () => {
      const d = await apps.readNamespacedDeployment({ namespace: 'default', name: app });
      return d.status?.readyReplicas === 3 ? true : undefined;
    });
    const scaleIn = await api(runtime, 'POST', path('general', '/scale'), { desiredSize: 2 });
    const operation = await finished(scaleIn.body.operationId);
    const two = await waitForNodes(cluster, 2, general);

    // Assess
    expect(three).toHaveLength(3);
    expect(two).toHaveLength(2);
    expect(operation.status).toBe('Succeeded');
    expect(operation.scale.podsRescheduled).toBe(1);
  });

  it('fit pending pods: two pods that only the empty batch group could host become Running on 2 new Nodes', async () => {
    // Prepare
    const { core } = await kubeOf(cluster);
    const names = [uniqueName('job'), uniqueName('job')];
    for (const name of names) {
      await core.createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name },
          spec: {
            nodeSelector: { workload: 'batch' },
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
            containers: [{ name: 'work', image: 'busybox:1', resources: { requests: { cpu: '3' } } }],
          },
        },
      });
    }
    await eventually('the pods to be Pending', async () => {
      const pods = await Promise.all(names.map((name) => core.readNamespacedPod({ namespace: 'default', name })));
      return pods.every((p) => p.status?.phase === 'Pending') ? true : undefined;
    });

    // Act
    const out = await api(runtime, 'POST', path('batch', '/scale'), { fitPendingPods: true });
    const operation = await finished(out.body.operationId);
    const nodes = await waitForNodes(cluster, 2, batch);
    const running = await eventually(
      'the pods to run',
      async () => {
        const pods = await Promise.all(names.map((name) => core.readNamespacedPod({ namespace: 'default', name })));
        return pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
      },
      60000,
    );

    // Assess
    expect(operation.scale.to.desiredSize).toBe(2);
    expect(nodes).toHaveLength(2);
    expect(new Set(running.map((p) => p.spec?.nodeName)).size).toBe(2);
  });

  it('a schedule (fast-forwarded clock) and an alarm policy each move the Nodes', async () => {
    // Prepare
    await idle('general');
    await api(runtime, 'POST', path('general', '/schedules'), {
      name: 'burst',
      schedule: 'rate(1 hour)',
      desiredSize: 4,
    });
    const alarm = await createAlarm('OK');
    await api(runtime, 'POST', path('general', '/policies'), {
      name: 'up',
      alarm,
      adjustment: { type: 'change', value: 1 },
      cooldownSeconds: 600,
    });

    // Act
    await api(runtime, 'POST', '/_local/clock', { advanceSeconds: 3601 });
    const scheduled = await waitForNodes(cluster, 4, general);
    await idle('general');
    await setAlarm(alarm, 'ALARM');
    const alarmed = await waitForNodes(cluster, 5, general);

    // Assess
    expect(scheduled).toHaveLength(4);
    expect(alarmed).toHaveLength(5);
    const view = await idle('general');
    expect(view.recentOperations.map((o: { requestedBy: string }) => o.requestedBy).slice(0, 2)).toEqual([
      'policy/up',
      'schedule/burst',
    ]);
  });
});
