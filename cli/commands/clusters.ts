import type { Command } from 'commander';
import type { Context } from '../context';
import { renderTable } from '../render/format';
import { clusterCreate, clusterDelete, clusterGet, clusterList } from '../requests/clusters';
import { readSpecFile } from './files';
import { acceptedOperation, keyValues, NODEGROUP_COLUMNS, nodegroupRows, waitOptions } from './operation-output';

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
}
