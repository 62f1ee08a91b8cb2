import type { Rollout } from '../../core/rollouts/domain/types';
import { FAULT_KINDS, type FaultKind } from '../../tools/fault-proxy/faults';
import { clusterView, endStateDisagreements, historyCount, storedRollout } from '../helpers/cluster-view';
import { type RuntimeChild, startRuntimeChild } from '../helpers/crash-harness';
import { defined } from '../helpers/defined';
import { type FaultProxies, startFaultProxies } from '../helpers/fault-proxies';
import { type App, createAlarm, createApp, setAlarm } from '../helpers/rollout-fixtures';
import { api, eventually, startTestRuntime, type TestRuntime, testTableName } from '../helpers/stack';

/**
 * Every rollout scenario run twice, side by side: on a runtime that reaches AWS and Kubernetes
 * directly, and on one that reaches them through fault proxies failing 30 % of calls (429, 5xx,
 * 409, slow, dropped before or after the server applied them). Both must end in the same state, with
 * no duplicate or orphaned Deployment, and the store agreeing with the cluster.
 */
const FAULTS = { rate: 0.3, kinds: FAULT_KINDS as readonly FaultKind[], seed: 30, slowMs: 150 };
const ORIGINAL_IMAGE = 'nginx:1.27';
/** Scenarios end within this even under faults (each retried call backs off up to a few seconds). */
const END_TIMEOUT_MS = 60000;

/** Where a scenario runs: the API's URL and the table its store writes. */
interface Runtime {
  url: string;
  table: string;
}

describe('chaos: 30 % faults between eksflow and AWS / Kubernetes', () => {
  let directChild: RuntimeChild;
  let faultyRuntime: TestRuntime;
  let direct: Runtime;
  let faulty: Runtime;
  let proxies: FaultProxies;
  beforeAll(async () => {
    proxies = await startFaultProxies({ rate: 0 });
    // The runtime without faults runs in a child process: one process holds one runtime (one container).
    // One after the other: the sandbox fixtures (role, subnets) are get-or-create, not safe to race.
    const directTable = testTableName();
    directChild = await startRuntimeChild({ table: directTable });
    faultyRuntime = await startTestRuntime({ awsEndpoint: proxies.aws.url, kubeServer: proxies.kube.url });
    direct = { url: directChild.url, table: directTable };
    faulty = { url: faultyRuntime.url, table: faultyRuntime.container.config.tableName };
    proxies.setFaults(FAULTS);
  });
  afterAll(async () => {
    await Promise.all([directChild?.stop(), faultyRuntime?.close()]);
    await proxies?.close();
  });

  /** A client that retries what a client should: 5xx and dropped connections (never a 4xx). */
  function call(runtime: Runtime, method: string, path: string, body?: unknown) {
    return eventually(`${method} ${path} answered without a 5xx`, async () => {
      // A dropped connection throws: retried too, and named if it is the last failure.
      const answer = await api(runtime, method, path, body);
      if (answer.status >= 500) throw new Error(`answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer;
    });
  }

  /** What must be the same with and without faults, with the revision (random per rollout) named REV. */
  async function outcome(app: App, rollout: Rollout) {
    const view = await eventually('the extra Deployment to go', async () => {
      const v = await clusterView(app.namespace);
      return Object.keys(v.deployments).length === 1 ? v : undefined;
    }).catch(() => clusterView(app.namespace));
    const rev = (selector: Record<string, string>) =>
      Object.fromEntries(Object.entries(selector).map(([k, v]) => [k, v === rollout.revision ? 'REV' : v]));
    return {
      status: rollout.status,
      // Shown only when it failed, so a failure under faults says why.
      ...(rollout.status === 'Failed'
        ? { failedBecause: rollout.history.find((h) => h.type === 'Failed')?.message }
        : {}),
      started: historyCount(rollout, 'Started'),
      promoted: historyCount(rollout, 'Promoted'),
      aborted: historyCount(rollout, 'Aborted'),
      disagreements: endStateDisagreements(rollout, view, ORIGINAL_IMAGE),
      deployments: Object.fromEntries(
        Object.entries(view.deployments).map(([name, d]) => [name, { image: d.image, replicas: d.replicas }]),
      ),
      selectors: Object.fromEntries(Object.entries(view.selectors).map(([name, s]) => [name, rev(s)])),
    };
  }

  /** Runs `scenario` on both runtimes at once and returns both outcomes. */
  async function onBoth(scenario: (runtime: Runtime) => Promise<{ app: App; rollout: Rollout }>) {
    const [withoutFaults, withFaults] = await Promise.all([scenario(direct), scenario(faulty)]);
    return {
      withoutFaults: await outcome(withoutFaults.app, withoutFaults.rollout),
      withFaults: await outcome(withFaults.app, withFaults.rollout),
    };
  }

  const start = async (runtime: Runtime, app: App, strategy: Record<string, unknown>) => {
    const started = await call(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: app.name,
      image: 'nginx:1.28',
      ...strategy,
    });
    expect(started).toMatchObject({ status: 202 });
    return started.body.id as string;
  };
  /** The rollout as the API shows it, once `ready` says so; a timeout names where it stood. */
  const waitForRollout = async (runtime: Runtime, id: string, ready: (r: any) => boolean, timeoutMs: number) => {
    let last: any;
    return eventually(
      `rollout ${id}`,
      async () => {
        const { status, body } = await api(runtime, 'GET', `/rollouts/${id}`);
        last = body;
        return status === 200 && ready(body) ? body : undefined;
      },
      timeoutMs,
      100,
    ).catch((error) => {
      const history = last?.history?.map((h: any) => `${h.type}: ${h.message}`);
      const where = last && { status: last.status, phase: last.phase, pause: last.pause, history };
      throw new Error(`${error.message}; last seen ${JSON.stringify(where)}`);
    });
  };
  const isEnd = (status: string) => ['Promoted', 'Aborted', 'Failed'].includes(status);
  /** The stored rollout (with what the API view leaves out, e.g. the stable template) once it has ended. */
  const ended = async (runtime: Runtime, id: string): Promise<Rollout> => {
    await waitForRollout(runtime, id, (r) => isEnd(r.status), END_TIMEOUT_MS);
    return defined(await storedRollout(runtime.table, id), 'storedRollout(runtime.table, id)');
  };

  const canary = (alarm?: string): Record<string, unknown> => ({
    canary: { steps: [{ setWeight: 50 }, { pause: {} }], ...(alarm ? { analysis: { alarms: [alarm] } } : {}) },
  });
  const blueGreen = (alarm?: string): Record<string, unknown> => ({
    blueGreen: {
      activeService: 'web',
      previewService: 'web-preview',
      scaleDownDelaySeconds: 1,
      // Guarded by an alarm: switch at once, and keep blue long enough for the alarm to find it.
      ...(alarm ? { autoPromotionSeconds: 0, scaleDownDelaySeconds: 600, analysis: { alarms: [alarm] } } : {}),
    },
  });
  const promote = (runtime: Runtime, id: string) => call(runtime, 'POST', `/rollouts/${id}/promote`, {});
  const abort = (runtime: Runtime, id: string) => call(runtime, 'POST', `/rollouts/${id}/abort`, { reason: 'chaos' });

  interface Scenario {
    name: string;
    strategy: (alarm?: string) => Record<string, unknown>;
    guarded: boolean;
    /** What happens once the rollout waits: a person's request, or the guarding alarm firing. */
    act: (runtime: Runtime, id: string, alarm: string | undefined) => Promise<unknown>;
    expected: { status: string; promoted?: number; aborted?: number };
  }
  const fireAlarm = (_runtime: Runtime, _id: string, alarm: string | undefined) =>
    setAlarm(defined(alarm, 'alarm'), 'ALARM');
  const PROMOTED = { status: 'Promoted', promoted: 1 };
  const ABORTED = { status: 'Aborted', aborted: 1 };
  /** A scenario is guarded by an alarm exactly when that alarm firing is what it does. */
  const scenario = (
    name: string,
    strategy: Scenario['strategy'],
    act: Scenario['act'],
    expected: Scenario['expected'],
  ) => ({ name, strategy, guarded: act === fireAlarm, act, expected }) satisfies Scenario;
  const scenarios: Scenario[] = [
    scenario('canary promoted', canary, promote, PROMOTED),
    scenario('canary aborted by request', canary, abort, ABORTED),
    scenario('canary aborted by its alarm', canary, fireAlarm, ABORTED),
    scenario('blue-green promoted', blueGreen, promote, PROMOTED),
    scenario('blue-green aborted by request in preview', blueGreen, abort, ABORTED),
    scenario('blue-green aborted by its alarm after the switch', blueGreen, fireAlarm, ABORTED),
  ];

  it.each(scenarios)(
    '$name',
    async ({ strategy, guarded, act, expected }) => {
      // Act
      const { withoutFaults, withFaults } = await onBoth(async (runtime) => {
        const app = await createApp({ replicas: strategy === canary ? 4 : 3, previewService: strategy === blueGreen });
        const alarm = guarded ? await createAlarm('OK') : undefined;
        const id = await start(runtime, app, strategy(alarm));
        // A guarded blue-green waits for its switch; the others for their pause. An end before that is a wrong
        // outcome, shown by the comparison below.
        const waiting = (r: any) =>
          guarded && strategy === blueGreen ? r.phase === 'Switched' : r.status === 'Paused';
        await waitForRollout(runtime, id, (r) => waiting(r) || isEnd(r.status), END_TIMEOUT_MS);
        const answer = await act(runtime, id, alarm);
        if (answer && typeof answer === 'object' && 'status' in answer) expect(answer.status).toBe(200);
        return { app, rollout: await ended(runtime, id) };
      });

      // Assess
      expect(withoutFaults).toMatchObject({ ...expected, disagreements: [] });
      expect(withFaults).toEqual(withoutFaults);
    },
    120000,
  );

  it('the proxies did inject faults of every kind into those scenarios (a run without any proves nothing)', () => {
    // Assess
    const faults = [proxies.aws.stats().faults, proxies.kube.stats().faults];
    for (const byKind of faults) expect(Object.values(byKind).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    const kinds = new Set(faults.flatMap((byKind) => FAULT_KINDS.filter((kind) => byKind[kind] > 0)));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
  });
});
