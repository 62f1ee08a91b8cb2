import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { defined } from './defined';
import { deploymentManifest } from './manifests';
import { api, awsClientConfig, eventually, kube, startTestRuntime, type TestRuntime, uniqueName } from './stack';

export interface App {
  namespace: string;
  name: string;
  replicas: number;
}

export interface AppOptions {
  replicas?: number;
  image?: string;
  previewService?: boolean;
  readyAfterSeconds?: number;
  /** The namespace's name starts with this (the access policy matches namespaces by pattern). */
  namespacePrefix?: string;
}

/**
 * For a describe block: the test stack and one app (`createApp(options)`), ready before its first test, the stack
 * closed after its last. The fields are set by the block's beforeAll: read them inside the tests.
 */
export function stackWithApp(options: AppOptions): { runtime: TestRuntime; app: App } {
  const stack = {} as { runtime: TestRuntime; app: App };
  beforeAll(async () => {
    stack.runtime = await startTestRuntime();
    stack.app = await createApp(options);
  });
  afterAll(async () => stack.runtime?.close());
  return stack;
}

/** A namespace with a Deployment `web` (app=web) of `replicas` Ready pods and a Service `web` in front. */
export async function createApp(options: AppOptions = {}): Promise<App> {
  const { core, apps } = kube();
  const namespace = uniqueName(options.namespacePrefix ?? 'ns');
  const name = 'web';
  const replicas = options.replicas ?? 10;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await apps.createNamespacedDeployment({
    namespace,
    body: deploymentManifest({
      name,
      replicas,
      container: { name: 'web', image: options.image ?? 'nginx:1.27' },
      // The sandbox's simulated kubelet makes such pods Ready only this long after they start.
      podAnnotations: options.readyAfterSeconds
        ? { 'sandbox.eksflow.io/ready-after-seconds': String(options.readyAfterSeconds) }
        : undefined,
    }),
  });
  const service = (svc: string) =>
    core.createNamespacedService({
      namespace,
      body: { metadata: { name: svc }, spec: { selector: { app: name }, ports: [{ port: 80 }] } },
    });
  await service(name);
  if (options.previewService) await service(`${name}-preview`);
  await eventually(
    `${namespace}/${name} Ready`,
    async () => ((await deployment(namespace, name))?.status?.readyReplicas === replicas ? true : undefined),
    30000,
  );
  return { namespace, name, replicas };
}

export async function deployment(namespace: string, name: string) {
  try {
    return await kube().apps.readNamespacedDeployment({ namespace, name });
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** spec.replicas of stable and canary (0 when the canary does not exist). */
export async function replicaSplit(app: App): Promise<{ stable: number; canary: number }> {
  const stable = await deployment(app.namespace, app.name);
  const canary = await deployment(app.namespace, `${app.name}-canary`);
  return { stable: stable?.spec?.replicas ?? 0, canary: canary?.spec?.replicas ?? 0 };
}

const cloudwatch = () => new CloudWatchClient(awsClientConfig());

export async function createAlarm(state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' = 'OK'): Promise<string> {
  const name = uniqueName('web-5xx-rate');
  await cloudwatch().send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      MetricName: '5xx',
      Namespace: 'eksflow/test',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
  // Set explicitly: the emulator starts new alarms in OK, CloudWatch in INSUFFICIENT_DATA.
  await setAlarm(name, state);
  return name;
}

export async function setAlarm(name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'): Promise<void> {
  await cloudwatch().send(
    new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `test set ${state}` }),
  );
}

/** The CloudWatch state-change event for the alarm's current state, as EventBridge would deliver it. */
export async function currentAlarmEvent(alarm: string) {
  const out = await cloudwatch().send(new DescribeAlarmsCommand({ AlarmNames: [alarm] }));
  const a = defined(out.MetricAlarms?.[0], `alarm ${alarm}`);
  return {
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    detail: {
      alarmName: alarm,
      state: {
        value: a.StateValue,
        reason: a.StateReason,
        timestamp: defined(a.StateUpdatedTimestamp, `the state time of ${alarm}`).toISOString(),
      },
    },
  };
}

/** The steps most tests need: a canary at 50 % that waits there for a person. */
export const PAUSED_AT_HALF = [{ setWeight: 50 }, { pause: {} }];

/**
 * The body of `POST /rollouts` for a canary of nginx:1.28 on the sandbox's Deployment `web` of `app`;
 * `analysis` goes into the canary, every other field of `extra` onto the request (and wins).
 */
export function canaryRequest(
  app: Pick<App, 'namespace'>,
  steps: unknown[] = PAUSED_AT_HALF,
  { analysis, ...extra }: { analysis?: Record<string, unknown> } & Record<string, unknown> = {},
) {
  return {
    cluster: 'sandbox',
    namespace: app.namespace,
    deployment: 'web',
    image: 'nginx:1.28',
    canary: { steps, ...(analysis ? { analysis } : {}) },
    ...extra,
  };
}

/** The body of `POST /rollouts` for a blue-green of nginx:1.28 on `web` of `app`, active Service `web`, plus `blueGreen`. */
export function blueGreenRequest(app: Pick<App, 'namespace'>, blueGreen: Record<string, unknown> = {}) {
  return {
    cluster: 'sandbox',
    namespace: app.namespace,
    deployment: 'web',
    image: 'nginx:1.28',
    blueGreen: { activeService: 'web', ...blueGreen },
  };
}

/** Starts a canary (canaryRequest's arguments) and waits for it to pause: the paused rollout. */
export async function startPausedCanary(runtime: TestRuntime, ...request: Parameters<typeof canaryRequest>) {
  const { status, body } = await api(runtime, 'POST', '/rollouts', canaryRequest(...request));
  expect(status).toBe(202);
  return waitForRollout(runtime, body.id, (r) => r.status === 'Paused');
}

export async function getRollout(runtime: TestRuntime, id: string) {
  const { status, body } = await api(runtime, 'GET', `/rollouts/${id}`);
  if (status !== 200) throw new Error(`GET /rollouts/${id} → ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Waits for the rollout to satisfy `ready` (e.g. a status), returning it. */
export async function waitForRollout(runtime: TestRuntime, id: string, ready: (r: any) => boolean, timeoutMs = 30000) {
  let last: any;
  try {
    return await eventually(
      `rollout ${id}`,
      async () => {
        last = await getRollout(runtime, id);
        return ready(last) ? last : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (error) {
    // Say where the rollout stood, so a timeout names its status, step and last reason.
    const where = last && { status: last.status, step: last.currentStepIndex, reason: last.history?.at(-1) };
    throw new Error(`${(error as Error).message}; it stood at ${JSON.stringify(where)}`);
  }
}
