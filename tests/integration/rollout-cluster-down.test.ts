// Issue 7 items 4 and 5 on the real stack: the Kubernetes API refuses every write (503 through the fault
// proxy) while a rollout is aborted or its workflow fails. The record must never claim what the cluster does
// not show, and the canary must never be left without an owner.
import { type FaultProxies, startFaultProxies } from '../helpers/fault-proxies';
import {
  type App,
  createApp,
  deployment,
  replicaSplit,
  startPausedCanary,
  waitForRollout,
} from '../helpers/rollout-fixtures';
import { api, startTestRuntime, type TestRuntime } from '../helpers/stack';

/** Every Kubernetes write fails with a 5xx; reads pass, so eksflow sees the cluster as it is. */
const WRITES_FAIL = { rate: 1, kinds: ['error5xx'] as const };
const isWrite = (request: { method: string }) => request.method !== 'GET';

describe('rollouts while the Kubernetes API refuses writes', () => {
  let runtime: TestRuntime;
  let proxies: FaultProxies;
  beforeAll(async () => {
    proxies = await startFaultProxies();
    runtime = await startTestRuntime({ kubeServer: proxies.kube.url });
  });
  afterAll(async () => {
    await runtime?.close();
    await proxies?.close();
  });
  afterEach(() => proxies.kube.setFaults({ rate: 0 }));

  const canaryAtHalf = async (app: App) =>
    (await startPausedCanary(runtime, app, [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }])).id as string;

  it('an abort the cluster refuses is recorded as Aborting, not left Progressing, and finishes once it can (item 4)', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const id = await canaryAtHalf(app);
    proxies.kube.setFaults(WRITES_FAIL, isWrite);

    // Act
    const response = await api(runtime, 'POST', `/rollouts/${id}/abort`);

    // Assess: the intent is on record, the cluster is untouched, and the rollout still holds the Deployment
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'Progressing', phase: 'Aborting' });
    expect(await replicaSplit(app)).toEqual({ stable: 1, canary: 1 });
    const blocked = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: 'web',
      image: 'nginx:9',
      canary: { steps: [{ setWeight: 50 }] },
    });
    expect(blocked.status).toBe(409);

    // Act: the cluster accepts writes again
    proxies.kube.setFaults({ rate: 0 });
    const done = await waitForRollout(runtime, id, (r) => r.status === 'Aborted', 60000);

    // Assess
    expect(done.history.map((h: any) => h.type)).toEqual(expect.arrayContaining(['Aborting', 'Aborted']));
    expect(await replicaSplit(app)).toEqual({ stable: 2, canary: 0 });
  }, 90000);

  it('a workflow that fails while restoring keeps the Deployment locked until stable is back, then ends Failed (item 5)', async () => {
    // Prepare: a canary at 50 %; then the cluster refuses writes and the rollout is promoted
    const app = await createApp({ replicas: 2 });
    const id = await canaryAtHalf(app);
    proxies.kube.setFaults(WRITES_FAIL, isWrite);

    // Act: the promoted pass fails through its retries, the workflow's Catch tries to restore and fails too
    await api(runtime, 'POST', `/rollouts/${id}/promote`);
    const stuck = await waitForRollout(
      runtime,
      id,
      (r) => r.phase === 'Aborting' && r.history.some((h: any) => /sweep restores stable again/.test(h.message)),
      60000,
    );

    // Assess: never Failed while the canary still runs; the lock is held
    expect(stuck.status).toBe('Progressing');
    expect(stuck.abort.failure).toBe(true);
    expect((await deployment(app.namespace, 'web-canary'))?.spec?.replicas).toBe(1);

    // Act: the cluster recovers; the periodic sweep starts the restore run again
    proxies.kube.setFaults({ rate: 0 });
    await runtime.invoke('scheduledSweep', { source: 'aws.events', 'detail-type': 'Scheduled Event' });
    const failed = await waitForRollout(runtime, id, (r) => r.status === 'Failed', 60000);

    // Assess
    expect(failed.finishedAt).toBeDefined();
    expect(await replicaSplit(app)).toEqual({ stable: 2, canary: 0 });
  }, 120000);
});
