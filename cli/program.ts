import { Command, CommanderError } from 'commander';
import { clusterCommands } from './commands/clusters';
import { dashboardCommand } from './commands/dashboard';
import { doctorCommand } from './commands/doctor';
import { nodegroupCommands } from './commands/nodegroups';
import { operationCommands } from './commands/operations';
import { rolloutCommands } from './commands/rollouts';
import { sandboxCommands } from './commands/sandbox';
import { type CliIo, Context, type GlobalOptions } from './context';
import { API_ENV } from './endpoint';
import { describeError, EXIT_OK, EXIT_USAGE, exitCodeOf } from './errors';

/** Commander's ways of ending that are not errors: help and version shown. */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

export function buildProgram(io: CliIo): { program: Command; ctx: Context } {
  const program = new Command('eksflow');
  const ctx = new Context(io, () => program.opts<GlobalOptions>());
  program
    .description('eksflow: provision EKS clusters, scale node groups, and roll out canary and blue-green releases')
    .option(
      '--api <url>',
      `the eksflow API (default: the local sandbox; env ${API_ENV}); signed with your AWS credentials`,
    )
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Exit codes: 0 done (with --wait: Promoted / Succeeded), 1 Aborted, Failed, timed out or refused, 2 bad usage.

Examples:
  $ eksflow rollouts start web --image nginx:2 --canary 10,30s,50,pause --alarm web-5xx-rate --watch
  $ eksflow rollouts promote web
  $ eksflow clusters create -f prod-1.yaml --wait
  $ eksflow dashboard
  $ eksflow doctor --cluster sandbox`,
    );
  // A bad -o is bad usage before anything is sent (not after a rollout has started).
  program.hook('preAction', () => void ctx.format);
  rolloutCommands(program, ctx);
  clusterCommands(program, ctx);
  nodegroupCommands(program, ctx);
  operationCommands(program, ctx);
  sandboxCommands(program, ctx);
  dashboardCommand(program, ctx);
  doctorCommand(program, ctx);
  return { program, ctx };
}

/** Runs one command line; answers the exit code. Errors print the API's message and fields, never a stack. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { program } = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return NOT_ERRORS.has(error.code) ? EXIT_OK : EXIT_USAGE;
    io.stderr.write(`${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}
