import type { Command } from 'commander';
import { type Context, parseDuration, parseInteger } from '../context';
import { watchOperation } from '../watch';

/** Whole-number flags: a bad value is bad usage naming the flag. */
export const int = (flag: string) => (value: string) => parseInteger(flag, value);

export const waitOptions = (command: Command) =>
  command
    .option('--wait', 'wait until the operation ends: exit 0 when it succeeds, 1 when it fails')
    .option('--timeout <duration>', 'with --wait: give up (exit 1) after this long, e.g. 30m');

/** Prints an accepted operation, then with --wait follows it to its end (progress line, exit code). */
export async function acceptedOperation(
  ctx: Context,
  accepted: { operationId: string },
  o: { wait?: boolean; timeout?: string },
  startedLine: (a: any) => string = (a) => `operation ${a.operationId} started`,
) {
  if (!o.wait) return ctx.print(accepted, startedLine);
  ctx.io.stderr.write(`${startedLine(accepted)}\n`);
  const op = await watchOperation(ctx, accepted.operationId, {
    timeoutMs: o.timeout ? parseDuration('--timeout', o.timeout) : undefined,
  });
  if (ctx.format !== 'table') ctx.print(op, () => '');
}
