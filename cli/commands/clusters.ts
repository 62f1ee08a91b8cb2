import type { Command } from 'commander';
import type { Context } from '../context';
import { renderCluster, renderClusterList, renderPlan } from '../render/cluster-view';
import { clusterCreate, clusterDelete, clusterGet, clusterList } from '../requests/clusters';
import { readSpecFile } from './files';
import { acceptedOperation, waitOptions } from './operation-output';

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
      if (o.dryRun) return ctx.print(answer, (a) => renderPlan(a.plan));
      // 200 {changed: false}: the cluster already matches the spec, so there is no operation to follow.
      if (answer.changed === false)
        return ctx.print(answer, (a) => a.message ?? `cluster ${a.cluster?.name} unchanged`);
      await acceptedOperation(ctx, answer, o);
    });

  clusters
    .command('list')
    .description('clusters with their status, version and last operation (node groups: clusters get NAME)')
    .addHelpText('after', '\nExamples:\n  $ eksflow clusters list\n  $ eksflow clusters list -o yaml')
    .action(async () => {
      const answer = await ctx.api.send(clusterList());
      ctx.print(answer, (a) => renderClusterList(a.clusters));
    });

  clusters
    .command('get')
    .description('a cluster: control plane, node groups (sizes, status), add-ons, access, last operations')
    .argument('<name>')
    .addHelpText('after', '\nExamples:\n  $ eksflow clusters get prod-1')
    .action(async (name: string) => {
      ctx.print(await ctx.api.send(clusterGet(name)), renderCluster);
    });

  waitOptions(
    clusters
      .command('delete')
      .description('tear a cluster down')
      .argument('<name>')
      .option('--force', 'even while a rollout or scaling runs on it')
      .option('--dry-run', 'print what would be deleted, change nothing'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow clusters delete prod-1 --wait\n  $ eksflow clusters delete prod-1 --dry-run',
    )
    .action(async (name: string, o) => {
      const answer = await ctx.api.send(clusterDelete(name, o));
      if (o.dryRun) return ctx.print(answer, (a) => renderPlan(a.plan));
      await acceptedOperation(ctx, answer, o);
    });
}
