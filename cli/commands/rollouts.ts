import { randomUUID } from 'node:crypto';
import { type Command, Option } from 'commander';
import { type Context, parseDuration, parseInteger } from '../context';
import { UsageError } from '../errors';
import { renderTable } from '../render/format';
import { renderRollout } from '../render/rollout-view';
import type { RolloutLive, RolloutView } from '../render/types';
import {
  buildRolloutStart,
  isRolloutId,
  rolloutAbort,
  rolloutGet,
  rolloutList,
  rolloutLive,
  rolloutPromote,
  rolloutRetry,
} from '../requests/rollouts';
import { watchRollout } from '../watch';
import { readSpecFile } from './files';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const int = (flag: string) => (value: string) => parseInteger(flag, value);

/** A rollout id, or a Deployment name: then its newest rollout in --cluster/--namespace. */
async function resolveRollout(ctx: Context, ref: string, o: { cluster?: string; namespace?: string }): Promise<string> {
  if (isRolloutId(ref)) return ref;
  const cluster = o.cluster ?? 'sandbox';
  const namespace = o.namespace ?? 'default';
  const page = await ctx.api.send<{ rollouts: RolloutView[] }>(
    rolloutList({ cluster, namespace, deployment: ref, limit: 1 }),
  );
  const newest = page.rollouts[0];
  if (!newest)
    throw new UsageError(`no rollout of Deployment ${ref} in ${cluster}/${namespace} (or give a rollout id)`);
  return newest.id;
}

const targetOptions = (command: Command) =>
  command
    .option('--cluster <name>', 'cluster of the Deployment, when naming a Deployment instead of an id', 'sandbox')
    .option('-n, --namespace <name>', 'namespace of the Deployment', 'default');

const rolloutListTable = (page: { rollouts: RolloutView[]; nextToken?: string }) =>
  renderTable(
    ['id', 'deployment', 'strategy', 'status', 'step', 'canary/stable', 'created'],
    page.rollouts.map((r) => [
      r.id,
      `${r.cluster}/${r.namespace}/${r.deployment}`,
      r.strategy,
      r.status,
      r.strategy === 'canary' && r.steps ? `${r.currentStepIndex}/${r.steps.length}` : r.phase,
      `${r.weights.canary}/${r.weights.stable}`,
      r.createdAt,
    ]),
  ) + (page.nextToken ? `\n(more: --next-token ${page.nextToken})` : '');

async function showRollout(ctx: Context, id: string): Promise<void> {
  const view = await ctx.api.send<RolloutView>(rolloutGet(id));
  const live = await ctx.api.send<RolloutLive>(rolloutLive(id)).catch(() => undefined);
  ctx.print({ ...view, live }, () => renderRollout(view, live, ctx.io.now()).join('\n'));
}

export function rolloutCommands(program: Command, ctx: Context): void {
  const rollouts = program
    .command('rollouts')
    .description('progressive delivery: canary and blue-green rollouts')
    .addHelpText(
      'after',
      '\nExamples:\n  $ eksflow rollouts start web --image nginx:2 --canary 10,30s,50,pause --watch\n  $ eksflow rollouts list',
    );

  rollouts
    .command('start')
    .description('start a rollout of a Deployment to a new image (canary or blue-green)')
    .argument('[deployment]', 'the Deployment to roll out (or "deployment" in -f)')
    .option('-f, --file <file>', 'the POST /rollouts body as JSON or YAML ("-" reads stdin); flags override it')
    .option('--cluster <name>', 'cluster (default: sandbox)')
    .option('-n, --namespace <name>', 'namespace (default: default)')
    .option('--image <image>', 'the new image')
    .option('--container <name>', 'container the image is for (needed when the pod has several)')
    .option('--canary <steps>', 'canary steps: weights, pauses (30s, 5m) and "pause" (until promoted), comma-separated')
    .option('--blue-green <service>', 'blue-green: the active Service')
    .option('--preview-service <service>', 'blue-green: the preview Service')
    .option(
      '--auto-promote-seconds <n>',
      'blue-green: promote by itself this long after green is Ready',
      int('--auto-promote-seconds'),
    )
    .option(
      '--scale-down-delay-seconds <n>',
      'blue-green: keep blue this long after the switch',
      int('--scale-down-delay-seconds'),
    )
    .option('--alarm <name>', 'a CloudWatch alarm that guards the rollout (repeatable)', collect)
    .addOption(new Option('--no-data <policy>', 'what INSUFFICIENT_DATA means').choices(['pass', 'pause', 'fail']))
    .option(
      '--progress-deadline-seconds <n>',
      'fail a step that makes no progress this long',
      int('--progress-deadline-seconds'),
    )
    .option('--watch', 'then show it live until it ends')
    .option('--wait', 'then wait until it ends: exit 0 when Promoted, 1 when Aborted or Failed')
    .option('--timeout <duration>', 'with --wait/--watch: give up (exit 1) after this long, e.g. 10m')
    .addHelpText(
      'after',
      `
Examples:
  $ eksflow rollouts start web --image nginx:2 --canary 10,30s,50,pause --alarm web-5xx-rate
  $ eksflow rollouts start web --image nginx:2 --blue-green web --preview-service web-preview --wait --timeout 15m
  $ eksflow rollouts start -f rollout.yaml --wait`,
    )
    .action(async (deployment: string | undefined, o) => {
      const request = buildRolloutStart({
        file: o.file ? readSpecFile(o.file, ctx.io.cwd) : undefined,
        deployment,
        cluster: o.cluster,
        namespace: o.namespace,
        image: o.image,
        container: o.container,
        canary: o.canary,
        blueGreen: o.blueGreen,
        previewService: o.previewService,
        autoPromoteSeconds: o.autoPromoteSeconds,
        scaleDownDelaySeconds: o.scaleDownDelaySeconds,
        alarm: o.alarm,
        // commander reads `--no-data` as the negation of `--data`: the value lands in `data`.
        noData: typeof o.data === 'string' ? o.data : undefined,
        progressDeadlineSeconds: o.progressDeadlineSeconds,
      });
      const timeoutMs = o.timeout ? parseDuration('--timeout', o.timeout) : undefined;
      const started = await ctx.api.send<{ id: string; status: string }>(request);
      if (!o.wait && !o.watch) return ctx.print(started, (s) => `rollout ${s.id} started (${s.status})`);
      ctx.io.stderr.write(`rollout ${started.id} started\n`);
      const done = await watchRollout(ctx, started.id, { timeoutMs });
      if (ctx.format !== 'table') ctx.print(done, () => '');
    });

  targetOptions(
    rollouts
      .command('get')
      .description('a rollout: status, steps, weights, replicas, alarms, history')
      .argument('<rollout>', 'rollout id, or a Deployment name (its newest rollout)'),
  )
    .addHelpText('after', '\nExamples:\n  $ eksflow rollouts get web\n  $ eksflow rollouts get 3f0c…-… -o json')
    .action(async (ref: string, o) => showRollout(ctx, await resolveRollout(ctx, ref, o)));

  rollouts
    .command('list')
    .description("a cluster's rollouts, newest first")
    .option('--cluster <name>', 'the cluster', 'sandbox')
    .option('-n, --namespace <name>', 'only this namespace')
    .option('--deployment <name>', 'only this Deployment')
    .option('--limit <n>', 'at most this many (1-100)', int('--limit'))
    .option('--next-token <token>', 'the next page, from a previous list')
    .addHelpText('after', '\nExamples:\n  $ eksflow rollouts list --cluster sandbox -n default --limit 5')
    .action(async (o) => {
      const page = await ctx.api.send(
        rolloutList({
          cluster: o.cluster,
          namespace: o.namespace,
          deployment: o.deployment,
          limit: o.limit,
          nextToken: o.nextToken,
        }),
      );
      ctx.print(page, rolloutListTable);
    });

  targetOptions(
    rollouts
      .command('promote')
      .description('move a paused rollout on: past the current pause, or past every step with --full')
      .argument('<rollout>', 'rollout id, or a Deployment name (its newest rollout)')
      .option('--full', 'skip every remaining step')
      .option('--step <index>', 'only if the rollout is still at this step (safe to retry)', int('--step'))
      .option('--idempotency-key <key>', 'a retry with the same key does not promote twice'),
  )
    .addHelpText('after', '\nExamples:\n  $ eksflow rollouts promote web\n  $ eksflow rollouts promote web --full')
    .action(async (ref: string, o) => {
      const id = await resolveRollout(ctx, ref, o);
      const view = await ctx.api.send<RolloutView>(
        // A key of our own when none is given: a retry after a lost answer then never promotes twice.
        rolloutPromote(id, { full: o.full, step: o.step, idempotencyKey: o.idempotencyKey ?? randomUUID() }),
      );
      ctx.print(view, (v) => `rollout ${v.id} promoted${o.full ? ' fully' : ''}: ${v.status}, ${v.phase}`);
    });

  targetOptions(
    rollouts
      .command('abort')
      .description('go back to stable now')
      .argument('<rollout>', 'rollout id, or a Deployment name (its newest rollout)')
      .option('--reason <text>', 'recorded on the rollout'),
  )
    .addHelpText('after', '\nExamples:\n  $ eksflow rollouts abort web --reason "latency up"')
    .action(async (ref: string, o) => {
      const id = await resolveRollout(ctx, ref, o);
      const view = await ctx.api.send<RolloutView>(rolloutAbort(id, o.reason));
      ctx.print(view, (v) => `rollout ${v.id} aborting: ${v.status}, ${v.phase}`);
    });

  targetOptions(
    rollouts
      .command('retry')
      .description('start an Aborted or Failed rollout again, as a new rollout (its retryOf names the first)')
      .argument('<rollout>', 'rollout id, or a Deployment name (its newest rollout)')
      .option('--idempotency-key <key>', 'a retry with the same key starts one rollout, not two'),
  )
    .addHelpText('after', '\nExamples:\n  $ eksflow rollouts retry web')
    .action(async (ref: string, o) => {
      const id = await resolveRollout(ctx, ref, o);
      const started = await ctx.api.send<{ id: string; status: string; retryOf: string }>(
        rolloutRetry(id, o.idempotencyKey ?? randomUUID()),
      );
      ctx.print(started, (v) => `rollout ${v.id} started (retry of ${v.retryOf}): ${v.status}`);
    });

  targetOptions(
    rollouts
      .command('watch')
      .description('show a rollout live until it ends (exit 0 Promoted, 1 Aborted/Failed); Ctrl-C stops watching')
      .argument('<rollout>', 'rollout id, or a Deployment name (its newest rollout)')
      .option('--until-paused', 'stop watching (exit 0) when the rollout pauses')
      .option('--timeout <duration>', 'stop (exit 1) after this long, e.g. 10m'),
  )
    .addHelpText('after', '\nExamples:\n  $ eksflow rollouts watch web\n  $ eksflow rollouts watch web --until-paused')
    .action(async (ref: string, o) => {
      const id = await resolveRollout(ctx, ref, o);
      const timeoutMs = o.timeout ? parseDuration('--timeout', o.timeout) : undefined;
      await watchRollout(ctx, id, { timeoutMs, untilPaused: o.untilPaused });
    });
}
