import type { Command } from 'commander';
import { type Context, parseDuration } from '../context';
import { renderOperation } from '../render/operation-view';
import type { Operation } from '../render/types';
import { operationGet, operationRetry } from '../requests/clusters';
import { watchOperation } from '../watch';

export function operationCommands(program: Command, ctx: Context): void {
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
    .action(async (id: string) =>
      ctx.print(
        await ctx.api.send(operationRetry(id)),
        (a) =>
          `operation ${a.operationId ?? id} resumed${a.resumeFrom ? ` from ${a.resumeFrom}` : ''}${a.run ? ` (run ${a.run})` : ''}`,
      ),
    );
}
