import type { Command } from 'commander';
import { type Context, parseDuration, parseInteger } from '../context';
import { renderTable } from '../render/format';
import { renderOperation } from '../render/operation-view';
import type { Operation } from '../render/types';
import {
  clusterCreate,
  clusterDelete,
  clusterGet,
  clusterList,
  nodegroupGet,
  nodegroupScale,
  operationGet,
  operationRetry,
  policyAdd,
  policyList,
  policyRemove,
  scheduleAdd,
  scheduleList,
  scheduleRemove,
} from '../requests/clusters';
import { watchOperation } from '../watch';
import { readSpecFile } from './files';

const int = (flag: string) => (value: string) => parseInteger(flag, value);
const waitOptions = (command: Command) =>
  command
    .option('--wait', 'wait until the operation ends: exit 0 when it succeeds, 1 when it fails')
    .option('--timeout <duration>', 'with --wait: give up (exit 1) after this long, e.g. 30m');

/** Prints an accepted operation, then with --wait follows it to its end (progress line, exit code). */
async function acceptedOperation(
  ctx: Context,
  accepted: { operationId: string },
  o: { wait?: boolean; timeout?: string },
) {
  if (!o.wait) return ctx.print(accepted, (a) => `operation ${a.operationId} started`);
  ctx.io.stderr.write(`operation ${accepted.operationId} started\n`);
  const op = await watchOperation(ctx, accepted.operationId, {
    timeoutMs: o.timeout ? parseDuration('--timeout', o.timeout) : undefined,
  });
  if (ctx.format !== 'table') ctx.print(op, () => '');
}

/** Any object as KEY  VALUE lines (nested values as compact JSON): the table view of a single resource. */
const keyValues = (value: Record<string, unknown>) =>
  renderTable(
    ['field', 'value'],
    Object.entries(value).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
  );

const nodegroupRows = (nodegroups: any[] = []) =>
  nodegroups.map((n) => [n.name, n.status, n.minSize, n.desiredSize, n.maxSize, n.instanceTypes?.join(',')]);
const NODEGROUP_COLUMNS = ['nodegroup', 'status', 'min', 'desired', 'max', 'instance types'];

export function clusterCommands(program: Command, ctx: Context): void {
  const clusters = program
    .command('clusters')
    .description('EKS clusters: provision, inspect, tear down')
    .addHelpText('after', '\nExamples:\n  $ eksflow clusters create -f prod-1.yaml --wait\n  $ eksflow clusters list');
  waitOptions(
    clusters
      .command('create')
      .description('provision a cluster from a spec (POST /clusters)')
      .requiredOption('-f, --file <file>', 'the cluster spec, JSON or YAML ("-" reads stdin)')
      .option('--dry-run', 'print the plan, change nothing'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow clusters create -f prod-1.yaml --wait --timeout 30m\n  $ eksflow clusters create -f prod-1.yaml --dry-run',
    )
    .action(async (o) => {
      const request = clusterCreate(readSpecFile(o.file, ctx.io.cwd), { dryRun: o.dryRun });
      const answer = await ctx.api.send(request);
      if (o.dryRun) return ctx.print(answer, (a) => JSON.stringify(a.plan ?? a, null, 2));
      await acceptedOperation(ctx, answer, o);
    });

  clusters
    .command('list')
    .description('clusters with their status and node groups')
    .addHelpText('after', '\nExamples:\n  $ eksflow clusters list -o yaml')
    .action(async () => {
      const answer = await ctx.api.send(clusterList());
      const list: any[] = Array.isArray(answer) ? answer : (answer?.clusters ?? []);
      ctx.print(answer, () =>
        renderTable(
          ['name', 'status', 'version', 'nodegroups'],
          list.map((c) => [
            c.name,
            c.status ?? c.controlPlane?.status,
            c.version ?? c.controlPlane?.version,
            (c.nodegroups ?? []).map((n: any) => `${n.name}:${n.desiredSize ?? '?'}`).join(' '),
          ]),
        ),
      );
    });

  clusters
    .command('get')
    .description('a cluster: control plane, node groups (sizes, status), add-ons, access, last operations')
    .argument('<name>')
    .addHelpText('after', '\nExamples:\n  $ eksflow clusters get prod-1')
    .action(async (name: string) => {
      const cluster = await ctx.api.send(clusterGet(name));
      ctx.print(cluster, (c) => {
        const { nodegroups, ...rest } = c;
        return `${keyValues(rest)}\n\n${renderTable(NODEGROUP_COLUMNS, nodegroupRows(nodegroups))}`;
      });
    });

  waitOptions(
    clusters
      .command('delete')
      .description('tear a cluster down')
      .argument('<name>')
      .option('--force', 'even while work is active on it'),
  )
    .addHelpText('after', '\nExamples:\n  $ eksflow clusters delete prod-1 --wait')
    .action(async (name: string, o) => acceptedOperation(ctx, await ctx.api.send(clusterDelete(name, o)), o));

  const nodegroups = program
    .command('nodegroups')
    .description('node groups: sizes and scaling')
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow nodegroups get prod-1\n  $ eksflow nodegroups scale prod-1 general --desired 5 --wait',
    );
  nodegroups
    .command('get')
    .description("a cluster's node groups, or one of them")
    .argument('<cluster>')
    .argument('[nodegroup]')
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow nodegroups get prod-1\n  $ eksflow nodegroups get prod-1 general -o json',
    )
    .action(async (cluster: string, nodegroup: string | undefined) => {
      const answer = await ctx.api.send(nodegroupGet(cluster, nodegroup));
      const list = nodegroup ? [answer] : Array.isArray(answer) ? answer : (answer?.nodegroups ?? []);
      ctx.print(answer, () => renderTable(NODEGROUP_COLUMNS, nodegroupRows(list)));
    });
  waitOptions(
    nodegroups
      .command('scale')
      .description('resize a node group: to a size, by a delta, or to fit the pending pods')
      .argument('<cluster>')
      .argument('<nodegroup>')
      .option('--desired <n>', 'the new desired size', int('--desired'))
      .option('--delta <n>', 'add (or, negative, remove) this many nodes', int('--delta'))
      .option('--fit-pending-pods', 'as many nodes as the pending pods need')
      .option('--min <n>', 'new minimum size', int('--min'))
      .option('--max <n>', 'new maximum size', int('--max')),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow nodegroups scale prod-1 general --desired 5 --wait\n  $ eksflow nodegroups scale prod-1 general --delta -- -2',
    )
    .action(async (cluster: string, nodegroup: string, o) =>
      acceptedOperation(ctx, await ctx.api.send(nodegroupScale(cluster, nodegroup, o)), o),
    );

  const schedules = program
    .command('schedules')
    .description('scheduled node group sizes')
    .addHelpText('after', '\nExamples:\n  $ eksflow schedules list prod-1 general');
  schedules
    .command('add')
    .description('size a node group on a schedule')
    .argument('<cluster>')
    .argument('<nodegroup>')
    .requiredOption('--name <name>', 'the schedule name')
    .requiredOption('--schedule <expression>', 'cron(…) or rate(…)')
    .option('--timezone <tz>', 'IANA time zone of a cron expression', 'UTC')
    .option('--desired <n>', 'desired size', int('--desired'))
    .option('--min <n>', 'minimum size', int('--min'))
    .option('--max <n>', 'maximum size', int('--max'))
    .option('--start-date <iso>', 'first time it may run')
    .option('--end-date <iso>', 'last time it may run')
    .addHelpText(
      'after',
      `\nExamples:\n  $ eksflow schedules add prod-1 general --name night --schedule "cron(0 20 * * ? *)" --timezone Europe/Paris --desired 1`,
    )
    .action(async (cluster: string, nodegroup: string, o) => {
      const created = await ctx.api.send(scheduleAdd(cluster, nodegroup, o));
      ctx.print(created, () => `schedule ${o.name} added`);
    });
  schedules
    .command('list')
    .argument('<cluster>')
    .argument('<nodegroup>')
    .description("a node group's schedules")
    .addHelpText('after', '\nExamples:\n  $ eksflow schedules list prod-1 general')
    .action(async (cluster: string, nodegroup: string) => {
      const answer = await ctx.api.send(scheduleList(cluster, nodegroup));
      const list: any[] = Array.isArray(answer) ? answer : (answer?.schedules ?? []);
      ctx.print(answer, () =>
        renderTable(
          ['name', 'schedule', 'timezone', 'desired', 'min', 'max'],
          list.map((s) => [s.name, s.schedule, s.timezone, s.desiredSize, s.minSize, s.maxSize]),
        ),
      );
    });
  schedules
    .command('rm')
    .argument('<cluster>')
    .argument('<nodegroup>')
    .argument('<name>')
    .description('remove a schedule')
    .addHelpText('after', '\nExamples:\n  $ eksflow schedules rm prod-1 general night')
    .action(async (cluster: string, nodegroup: string, name: string) => {
      await ctx.api.send(scheduleRemove(cluster, nodegroup, name));
      ctx.print({ removed: name }, () => `schedule ${name} removed`);
    });

  const policies = program
    .command('policies')
    .description('scaling policies bound to CloudWatch alarms')
    .addHelpText('after', '\nExamples:\n  $ eksflow policies list prod-1 general');
  policies
    .command('add')
    .description('scale a node group when an alarm goes to ALARM')
    .argument('<cluster>')
    .argument('<nodegroup>')
    .requiredOption('--name <name>', 'the policy name')
    .requiredOption('--alarm <alarm>', 'the CloudWatch alarm')
    .requiredOption('--adjustment <type>', 'change, percent, exact or fitPendingPods')
    .option('--value <n>', 'the adjustment (not for fitPendingPods)', int('--value'))
    .option('--cooldown <seconds>', 'no second action for this long', int('--cooldown'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow policies add prod-1 general --name cpu-high --alarm cpu-high --adjustment change --value 2 --cooldown 300',
    )
    .action(async (cluster: string, nodegroup: string, o) => {
      const created = await ctx.api.send(policyAdd(cluster, nodegroup, o));
      ctx.print(created, () => `policy ${o.name} added`);
    });
  policies
    .command('list')
    .argument('<cluster>')
    .argument('<nodegroup>')
    .description("a node group's scaling policies")
    .addHelpText('after', '\nExamples:\n  $ eksflow policies list prod-1 general')
    .action(async (cluster: string, nodegroup: string) => {
      const answer = await ctx.api.send(policyList(cluster, nodegroup));
      const list: any[] = Array.isArray(answer) ? answer : (answer?.policies ?? []);
      ctx.print(answer, () =>
        renderTable(
          ['name', 'alarm', 'adjustment', 'value', 'cooldown'],
          list.map((p) => [p.name, p.alarm, p.adjustment?.type, p.adjustment?.value, p.cooldownSeconds]),
        ),
      );
    });
  policies
    .command('rm')
    .argument('<cluster>')
    .argument('<nodegroup>')
    .argument('<name>')
    .description('remove a scaling policy')
    .addHelpText('after', '\nExamples:\n  $ eksflow policies rm prod-1 general cpu-high')
    .action(async (cluster: string, nodegroup: string, name: string) => {
      await ctx.api.send(policyRemove(cluster, nodegroup, name));
      ctx.print({ removed: name }, () => `policy ${name} removed`);
    });

  const operations = program
    .command('operations')
    .description('long-running work: provisioning, scaling, teardown')
    .addHelpText('after', '\nExamples:\n  $ eksflow operations watch 6a1e…');
  operations
    .command('get')
    .argument('<id>')
    .description('an operation: status, steps done, error')
    .addHelpText('after', '\nExamples:\n  $ eksflow operations get 6a1e…')
    .action(async (id: string) => {
      const op = await ctx.api.send<Operation>(operationGet(id));
      ctx.print(op, () => renderOperation(op, ctx.io.now()).join('\n'));
    });
  operations
    .command('watch')
    .argument('<id>')
    .description('follow an operation to its end (exit 0 Succeeded, 1 Failed)')
    .option('--timeout <duration>', 'give up (exit 1) after this long')
    .addHelpText('after', '\nExamples:\n  $ eksflow operations watch 6a1e… --timeout 30m')
    .action(async (id: string, o) => {
      await watchOperation(ctx, id, { timeoutMs: o.timeout ? parseDuration('--timeout', o.timeout) : undefined });
    });
  operations
    .command('retry')
    .argument('<id>')
    .description('resume a failed operation from its failed step')
    .addHelpText('after', '\nExamples:\n  $ eksflow operations retry 6a1e…')
    .action(async (id: string) => ctx.print(await ctx.api.send(operationRetry(id)), () => `operation ${id} resumed`));
}
