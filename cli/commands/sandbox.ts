import path from 'node:path';
import type { StateValue } from '@aws-sdk/client-cloudwatch';
import { type Command, Option } from 'commander';
import { type Context, parseInteger } from '../context';
import type { Endpoint } from '../endpoint';
import { UsageError } from '../errors';

export const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;

/** The sandbox's emulator and kubeconfig: these commands exist only there, never against a deployed API. */
function sandboxOf(ctx: Context): Required<Pick<Endpoint, 'sandboxDir' | 'sandboxEnv'>> & Endpoint {
  const endpoint = ctx.endpoint;
  if (!endpoint.sandboxDir || !endpoint.sandboxEnv)
    throw new UsageError('sandbox commands act on the local sandbox (npm start); not with --api/EKSFLOW_API');
  return endpoint as Required<Pick<Endpoint, 'sandboxDir' | 'sandboxEnv'>> & Endpoint;
}

/**
 * Sets an alarm's state on the sandbox's CloudWatch (the emulator), creating the alarm first if it is not there,
 * so trying a rollback needs no AWS CLI. The sandbox turns the state change into the EventBridge event AWS sends.
 */
export async function setSandboxAlarm(ctx: Context, name: string, state: StateValue, reason: string): Promise<boolean> {
  const { sandboxEnv, region, credentials } = sandboxOf(ctx);
  // Loaded here: only this command talks to CloudWatch, the others start faster without it.
  const { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, SetAlarmStateCommand } = await import(
    '@aws-sdk/client-cloudwatch'
  );
  const cloudwatch = new CloudWatchClient({
    region,
    endpoint: sandboxEnv.AWS_ENDPOINT_URL,
    credentials,
  });
  try {
    const found = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    const created = !found.MetricAlarms?.length && !found.CompositeAlarms?.length;
    if (created)
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          // A placeholder metric: in the sandbox only the state set below matters.
          MetricName: name,
          Namespace: 'eksflow/sandbox',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      );
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
    return created;
  } finally {
    cloudwatch.destroy();
  }
}

/** `kubectl create deployment NAME --image=… --replicas=…` and `kubectl expose deployment NAME --port=80`, in one. */
async function deploySandboxApp(
  ctx: Context,
  o: { name: string; image: string; replicas: number; namespace: string; port: number },
): Promise<'created' | 'exists'> {
  const { sandboxDir } = sandboxOf(ctx);
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  config.loadFromFile(path.join(sandboxDir, 'kubeconfig'));
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const core = config.makeApiClient(k8s.CoreV1Api);
  const labels = { app: o.name };
  const exists = await apps.readNamespacedDeployment({ name: o.name, namespace: o.namespace }).then(
    () => true,
    (error: { code?: number }) => {
      if (error?.code === 404) return false;
      throw error;
    },
  );
  if (exists) return 'exists';
  await apps.createNamespacedDeployment({
    namespace: o.namespace,
    body: {
      metadata: { name: o.name, labels },
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: o.name.replace(/[^a-z0-9-]/g, '-'), image: o.image }] },
        },
      },
    },
  });
  await core.createNamespacedService({
    namespace: o.namespace,
    body: {
      metadata: { name: o.name, labels },
      spec: { selector: labels, ports: [{ port: o.port, targetPort: o.port }] },
    },
  });
  return 'created';
}

export function sandboxCommands(program: Command, ctx: Context): void {
  const sandbox = program
    .command('sandbox')
    .description('helpers for the local sandbox (npm start) only')
    .addHelpText('after', '\nExamples:\n  $ eksflow sandbox alarm web-5xx-rate --state ALARM');
  sandbox
    .command('alarm')
    .description('set a CloudWatch alarm on the sandbox emulator (created if missing): ALARM rolls back what it guards')
    .argument('<name>', 'the alarm name')
    .addOption(new Option('--state <state>', 'the new state').choices(ALARM_STATES).makeOptionMandatory())
    .option('--reason <text>', 'the state reason', 'set with eksflow sandbox alarm')
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow sandbox alarm web-5xx-rate --state OK\n  $ eksflow sandbox alarm web-5xx-rate --state ALARM',
    )
    .action(async (name: string, o) => {
      const created = await setSandboxAlarm(ctx, name, o.state, o.reason);
      ctx.print(
        { alarm: name, state: o.state, created },
        () => `alarm ${name}${created ? ' created,' : ''} now ${o.state}`,
      );
    });
  sandbox
    .command('deploy')
    .description('create a Deployment and a Service of the same name in the sandbox cluster (if missing)')
    .argument('<name>', 'Deployment and Service name')
    .requiredOption('--image <image>', 'the image')
    .option('--replicas <n>', 'replicas', (v) => parseInteger('--replicas', v), 10)
    .option('-n, --namespace <name>', 'namespace', 'default')
    .option('--port <port>', 'the Service port', (v) => parseInteger('--port', v), 80)
    .addHelpText('after', '\nExamples:\n  $ eksflow sandbox deploy web --image nginx:1 --replicas 10')
    .action(async (name: string, o) => {
      const result = await deploySandboxApp(ctx, { name, ...o });
      ctx.print({ deployment: name, result }, () =>
        result === 'created' ? `deployment ${name} and service ${name} created` : `deployment ${name} already exists`,
      );
    });
}
