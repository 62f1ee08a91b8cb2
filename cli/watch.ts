import type { Context } from './context';
import { ApiError, OutcomeError } from './errors';
import { clockTime, formatElapsed } from './render/format';
import { operationProgressLine } from './render/operation-view';
import { renderRollout, rolloutSummaryLine } from './render/rollout-view';
import { isFinished, type Operation, type RolloutLive, type RolloutView } from './render/types';
import { operationGet } from './requests/clusters';
import { rolloutGet, rolloutLive } from './requests/rollouts';

/** How often a watch asks the API: about as often as a reconcile pass can change something visible. */
export const POLL_INTERVAL_MS = 1000;
/** Clears from the cursor down: the old view's lines go before the new one is drawn (ANSI, any terminal). */
const CLEAR_DOWN = '\x1b[0J';
const cursorUp = (lines: number) => (lines > 0 ? `\x1b[${lines}A\r` : '');

export interface WatchOptions {
  timeoutMs?: number;
  /** Stop (successfully) when the rollout pauses, e.g. to promote it by hand. */
  untilPaused?: boolean;
  intervalMs?: number;
}

/** The redraw-in-place of a TTY, or one line per change without one (CI logs, pipes). */
class LiveOutput {
  private drawn = 0;
  private lastLine = '';
  constructor(private readonly ctx: Context) {}

  show(view: string[], summary: string): void {
    const { stdout } = this.ctx.io;
    if (stdout.isTTY) {
      stdout.write(`${cursorUp(this.drawn)}${CLEAR_DOWN}${view.join('\n')}\n`);
      this.drawn = view.length;
    } else if (summary !== this.lastLine) {
      this.lastLine = summary;
      this.ctx.line(`${clockTime(this.ctx.io.now().toISOString())} ${summary}`);
    }
  }
}

/** The live side of a rollout; an API without `GET /rollouts/{id}/live` (older) just leaves it out. */
async function liveOf(ctx: Context, id: string): Promise<RolloutLive | undefined> {
  try {
    return await ctx.api.send<RolloutLive>(rolloutLive(id));
  } catch (error) {
    if (error instanceof ApiError && error.status !== 403) return undefined;
    throw error;
  }
}

/**
 * Polls a rollout until it finishes (or pauses, with `untilPaused`), showing it live. Promoted → the view;
 * Aborted or Failed → OutcomeError with the reason (exit 1); the timeout → OutcomeError too.
 */
export async function watchRollout(ctx: Context, id: string, options: WatchOptions = {}): Promise<RolloutView> {
  const started = ctx.io.now().getTime();
  const out = new LiveOutput(ctx);
  for (;;) {
    const [view, live] = await Promise.all([ctx.api.send<RolloutView>(rolloutGet(id)), liveOf(ctx, id)]);
    out.show(renderRollout(view, live, ctx.io.now()), rolloutSummaryLine(view, live));
    if (isFinished(view)) {
      if (view.status === 'Promoted') return view;
      throw new OutcomeError(`rollout ${view.status}: ${view.abort?.reason ?? 'no reason recorded'}`);
    }
    if (options.untilPaused && view.status === 'Paused') return view;
    await waitOrTimeout(ctx, started, options, `rollout ${id} is still ${view.status}`);
  }
}

/** Polls an operation until it ends, with a progress line (step and elapsed time); Failed → exit 1. */
export async function watchOperation(ctx: Context, id: string, options: WatchOptions = {}): Promise<Operation> {
  const started = ctx.io.now().getTime();
  const tty = ctx.io.stdout.isTTY;
  let lastStep = -1;
  for (;;) {
    const op = await ctx.api.send<Operation>(operationGet(id));
    const line = operationProgressLine(op, ctx.io.now());
    if (tty) ctx.io.stdout.write(`\r\x1b[2K${line}`);
    else if (op.steps.length !== lastStep || op.status !== 'Running') ctx.line(line);
    lastStep = op.steps.length;
    if (op.status !== 'Running') {
      if (tty) ctx.line();
      if (op.status === 'Succeeded') return op;
      throw new OutcomeError(
        `operation Failed: ${op.error ? `${op.error.code}: ${op.error.message}` : 'no error recorded'}`,
      );
    }
    await waitOrTimeout(
      ctx,
      started,
      options,
      `operation ${id} is still Running (${op.steps.at(-1)?.name ?? 'starting'})`,
    );
  }
}

async function waitOrTimeout(ctx: Context, started: number, options: WatchOptions, still: string): Promise<void> {
  const elapsed = ctx.io.now().getTime() - started;
  if (options.timeoutMs !== undefined && elapsed >= options.timeoutMs)
    throw new OutcomeError(`timed out after ${formatElapsed(elapsed)}: ${still}`);
  const interval = options.intervalMs ?? POLL_INTERVAL_MS;
  const wait = options.timeoutMs === undefined ? interval : Math.min(interval, options.timeoutMs - elapsed);
  await ctx.io.sleep(Math.max(0, wait));
}
