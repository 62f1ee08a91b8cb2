import type { Command } from 'commander';
import { type Context, parseDuration, parseInteger } from '../context';
import { renderTable } from '../render/format';
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
) {
  if (!o.wait) return ctx.print(accepted, (a) => `operation ${a.operationId} started`);
  ctx.io.stderr.write(`operation ${accepted.operationId} started\n`);
  const op = await watchOperation(ctx, accepted.operationId, {
    timeoutMs: o.timeout ? parseDuration('--timeout', o.timeout) : undefined,
  });
  if (ctx.format !== 'table') ctx.print(op, () => '');
}

export const nodegroupRows = (nodegroups: any[] = []) =>
  nodegroups.map((n) => [n.name, n.status, n.minSize, n.desiredSize, n.maxSize, n.instanceTypes?.join(',')]);
export const NODEGROUP_COLUMNS = ['nodegroup', 'status', 'min', 'desired', 'max', 'instance types'];

/** Any object as FIELD  VALUE lines (nested values as compact JSON): the table view of a single resource. */
export const keyValues = (value: Record<string, unknown>) =>
  renderTable(
    ['field', 'value'],
    Object.entries(value).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
  );
