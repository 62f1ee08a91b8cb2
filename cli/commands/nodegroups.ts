import type { Command } from 'commander';
import type { Context } from '../context';
import {
  NODEGROUP_COLUMNS,
  nodegroupRows,
  renderNodegroup,
  renderPolicies,
  renderSchedules,
  scaleStartedLine,
} from '../render/cluster-view';
import { renderTable } from '../render/format';
import {
  nodegroupGet,
  nodegroupScale,
  policyAdd,
  policyList,
  policyRemove,
  scheduleAdd,
  scheduleList,
  scheduleRemove,
} from '../requests/clusters';
import { acceptedOperation, int, waitOptions } from './operation-output';

export function nodegroupCommands(program: Command, ctx: Context): void {
  const nodegroups = program
    .command('nodegroups')
    .description('node groups: sizes and scaling')
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow nodegroups get prod-1\n  $ eksflow nodegroups scale prod-1 general --desired-size 5 --wait',
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
      // One node group: `{name, …, recentOperations}`; a cluster's: `{nodegroups: [...]}`.
      ctx.print(answer, (a) =>
        nodegroup ? renderNodegroup(a) : renderTable(NODEGROUP_COLUMNS, nodegroupRows(a.nodegroups)),
      );
    });
  waitOptions(
    nodegroups
      .command('scale')
      .description('resize a node group: to a size, by a delta, or to fit the pending pods')
      .argument('<cluster>')
      .argument('<nodegroup>')
      .option('--desired-size <n>', 'the new desired size (within min and max)', int('--desired-size'))
      .option('--delta <n>', 'add (or, negative, remove) this many nodes', int('--delta'))
      .option('--fit-pending-pods', 'as many nodes as the pending pods need')
      .option('--min-size <n>', 'new minimum size', int('--min-size'))
      .option('--max-size <n>', 'new maximum size', int('--max-size'))
      .option('--protect-pending', 'refuse a scale-in (409) while pods are Pending'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow nodegroups scale prod-1 general --desired-size 5 --wait\n  $ eksflow nodegroups scale prod-1 general --delta -2\n  $ eksflow nodegroups scale prod-1 general --desired-size 12 --max-size 12\n  $ eksflow nodegroups scale prod-1 general --delta -1 --protect-pending',
    )
    .action(async (cluster: string, nodegroup: string, o) =>
      acceptedOperation(ctx, await ctx.api.send(nodegroupScale(cluster, nodegroup, o)), o, scaleStartedLine),
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
    .option('--desired-size <n>', 'desired size', int('--desired-size'))
    .option('--min-size <n>', 'minimum size', int('--min-size'))
    .option('--max-size <n>', 'maximum size', int('--max-size'))
    .option('--start-date <iso>', 'first time it may run')
    .option('--end-date <iso>', 'last time it may run')
    .addHelpText(
      'after',
      `\nExamples:\n  $ eksflow schedules add prod-1 general --name night --schedule "cron(0 20 * * ? *)" --timezone Europe/Paris --desired-size 1`,
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
      ctx.print(await ctx.api.send(scheduleList(cluster, nodegroup)), (a) => renderSchedules(a.schedules));
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
    .option('--min-step <n>', 'with --adjustment percent: change by at least this many nodes', int('--min-step'))
    .option('--state <state>', 'fire when the alarm goes to ALARM (the default) or back to OK')
    .option('--cooldown <seconds>', 'no second action for this long (the API defaults to 300)', int('--cooldown'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow policies add prod-1 general --name cpu-high --alarm cpu-high --adjustment change --value 2 --cooldown 300\n  $ eksflow policies add prod-1 general --name quiet --alarm cpu-high --state OK --adjustment percent --value -25 --min-step 1',
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
      ctx.print(await ctx.api.send(policyList(cluster, nodegroup)), (a) => renderPolicies(a.policies));
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
}
