// The alarm storm of issue 7: many active rollouts guarded by one alarm, and many copies of its ALARM event.

import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmStates } from '../../core/adapters/aws/cloudwatch-alarm-states';
import { withRetry } from '../../core/kernel/retry';
import { defined } from './defined';
import { type DescribeAlarmsMeter, meterDescribeAlarms } from './describe-alarms-quota';
import { deploymentManifest } from './manifests';
import { createAlarm, getRollout, setAlarm, waitForRollout } from './rollout-fixtures';
import {
  api,
  awsClientConfig,
  eventually,
  gateClientConfig,
  kube,
  stackFetch,
  startTestRuntime,
  type TestRuntime,
  uniqueName,
} from './stack';

/** Requests the fixture keeps in flight while it sets up: enough to be quick, few enough for a 2-core machine. */
const SETUP_CONCURRENCY = 10;
/** How long one of the storm's rollouts may take to reach its pause while all of them start. */
const SETUP_PAUSE_WAIT_MS = 300_000;

export interface StormWorld {
  namespace: string;
  alarm: string;
  /** Deployment name → its replica count (1 or 2). */
  deployments: Map<string, number>;
  /** Rollout id per Deployment. */
  rollouts: Map<string, string>;
}

export interface StormFigures {
  events: number;
  statuses: Record<number, number>;
  latenciesMs: number[];
  /** From the first event posted until every stable Deployment is back at its replicas and every canary gone. */
  lastStableRestoredMs: number;
  /** eksflow's DescribeAlarms requests during the storm (when the runtime's are metered). */
  describeAlarms?: DescribeAlarmsMeter;
}

/**
 * The local runtime with its alarm reads metered: eksflow's DescribeAlarms requests go through the sandbox's AWS
 * gate, which holds them to the quota AWS documents (9 a second for the account), and are counted here.
 */
export async function startMeteredRuntime(): Promise<{ runtime: TestRuntime; describeAlarms: DescribeAlarmsMeter }> {
  const client = new CloudWatchClient(gateClientConfig());
  const describeAlarms = meterDescribeAlarms(client);
  const runtime = await startTestRuntime({ containerOverrides: { alarms: new CloudWatchAlarmStates(client) } });
  return { runtime, describeAlarms };
}

/** Tries of one rollout start the quota throttles, and the pause that grows between them. */
const START_ATTEMPTS = 8;
const START_BACKOFF_MS = 500;

/** A start the quota throttled, kept so that the last one's answer can be reported. */
class ThrottledStart extends Error {
  constructor(readonly answer: { status: number; body: any }) {
    super('POST /rollouts → 503 Throttled');
  }
}

/** Runs `fn` over `items`, at most `limit` at once. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>) {
  // One iterator shared by the workers: each takes the next item when it is free.
  const queue = items.entries();
  const worker = async () => {
    for (const [i, item] of queue) await fn(item, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * One namespace with `count` small Deployments (1–2 replicas), one alarm (OK) guarding a canary
 * rollout of each, every rollout Paused at `pause: {}` after `setWeight: 50` (so no run is alive).
 */
export async function prepareStorm(runtime: TestRuntime, count: number): Promise<StormWorld> {
  const { core, apps } = kube();
  const namespace = uniqueName('storm');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const deployments = new Map<string, number>();
  for (let i = 0; i < count; i++) deployments.set(`web-${i}`, 1 + (i % 2));
  await eachLimited([...deployments], SETUP_CONCURRENCY, async ([name, replicas]) => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deploymentManifest({ name, replicas, container: { name: 'web', image: 'nginx:1.27' } }),
    });
  });
  await eventually(
    'storm Deployments Ready',
    async () => {
      const list = await apps.listNamespacedDeployment({ namespace });
      const ready = list.items.filter(
        (d) => d.status?.readyReplicas === deployments.get(defined(d.metadata?.name, "a listed object's name")),
      );
      return ready.length === count ? true : undefined;
    },
    120000,
    250,
  );
  const alarm = await createAlarm('OK');
  const rollouts = new Map<string, string>();
  await eachLimited([...deployments.keys()], SETUP_CONCURRENCY, async (deployment) => {
    const request = {
      cluster: 'sandbox',
      namespace,
      deployment,
      image: 'nginx:1.28',
      canary: { steps: [{ setWeight: 50 }, { pause: {} }], analysis: { alarms: [alarm] } },
    };
    // 100 starts at once outrun the account's DescribeAlarms quota (9 a second), as they would in AWS: a start
    // refused with 503 Throttled (before anything is written) is sent again after a pause, as a pipeline would.
    const { status, body } = await withRetry(
      async () => {
        const answer = await api(runtime, 'POST', '/rollouts', request);
        if (answer.status === 503 && answer.body?.error?.code === 'Throttled') throw new ThrottledStart(answer);
        return answer;
      },
      {
        attempts: START_ATTEMPTS,
        baseDelayMs: START_BACKOFF_MS,
        maxDelayMs: START_ATTEMPTS * START_BACKOFF_MS,
        isRetryable: (error) => error instanceof ThrottledStart,
      },
    ).catch((error) => (error instanceof ThrottledStart ? error.answer : Promise.reject(error)));
    if (status !== 202) throw new Error(`POST /rollouts → ${status} ${JSON.stringify(body)}`);
    rollouts.set(deployment, body.id);
  });
  await eachLimited([...rollouts.values()], SETUP_CONCURRENCY, async (id) => {
    // Under the quota, 100 first passes share 9 DescribeAlarms a second with their retries: minutes, not seconds.
    await waitForRollout(runtime, id, (r) => r.status === 'Paused', SETUP_PAUSE_WAIT_MS);
  });
  return { namespace, alarm, deployments, rollouts };
}

/**
 * Puts the alarm in ALARM on the emulator, then posts `events` copies of its state-change event
 * (as EventBridge would on retries and duplicate deliveries) to /_local/events, `concurrency` at a time.
 * The runtime's alarm bridge must be stopped first, so that every event comes from here.
 */
export async function runStorm(
  runtime: TestRuntime,
  world: StormWorld,
  options: { events: number; concurrency: number; describeAlarms?: DescribeAlarmsMeter },
): Promise<StormFigures> {
  await setAlarm(world.alarm, 'ALARM');
  const cloudwatch = new CloudWatchClient(awsClientConfig());
  const described = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [world.alarm] }));
  const alarm = defined(described.MetricAlarms?.[0], `alarm ${world.alarm}`);
  const stateTimestamp = defined(alarm.StateUpdatedTimestamp, `the state time of ${world.alarm}`).toISOString();
  const event = (n: number) => ({
    id: `storm-${n}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    time: stateTimestamp,
    detail: {
      alarmName: world.alarm,
      state: { value: 'ALARM', reason: alarm.StateReason ?? 'storm', timestamp: stateTimestamp },
      previousState: { value: 'OK', reason: '', timestamp: stateTimestamp },
    },
  });

  const statuses: Record<number, number> = {};
  const latenciesMs: number[] = [];
  const before = options.describeAlarms && { ...options.describeAlarms };
  const started = performance.now();
  const restored = waitUntilRestored(world).then(() => performance.now() - started);
  await eachLimited(
    Array.from({ length: options.events }, (_, n) => n),
    options.concurrency,
    async (n) => {
      const t0 = performance.now();
      const response = await stackFetch(`${runtime.url}/_local/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event(n)),
      });
      await response.text();
      latenciesMs.push(performance.now() - t0);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    },
  );
  const lastStableRestoredMs = await restored;
  const after = options.describeAlarms;
  const describeAlarms =
    before && after ? { calls: after.calls - before.calls, throttled: after.throttled - before.throttled } : undefined;
  return {
    events: options.events,
    statuses,
    latenciesMs,
    lastStableRestoredMs,
    ...(describeAlarms ? { describeAlarms } : {}),
  };
}

/** Every stable Deployment back at its replicas and no canary left (one list call per poll). */
async function waitUntilRestored(world: StormWorld): Promise<void> {
  const { apps } = kube();
  await eventually(
    'every stable restored',
    async () => {
      const list = await apps.listNamespacedDeployment({ namespace: world.namespace });
      const byName = new Map(list.items.map((d) => [defined(d.metadata?.name, "a listed object's name"), d]));
      for (const [name, replicas] of world.deployments) {
        if (byName.has(`${name}-canary`)) return undefined;
        if (byName.get(name)?.spec?.replicas !== replicas) return undefined;
      }
      return true;
    },
    300000,
    25,
  );
}

/** How many Aborted entries each rollout's history holds. */
export async function abortCounts(runtime: TestRuntime, world: StormWorld): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await eachLimited([...world.rollouts.values()], SETUP_CONCURRENCY, async (id) => {
    const r = await getRollout(runtime, id);
    counts.set(id, r.history.filter((e: { type: string }) => e.type === 'Aborted').length);
  });
  return counts;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return defined(sorted[rank], `the p${p} of ${sorted.length} values`);
}
