import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../core/kernel/clock';
import { errorMessage, ValidationError } from '../core/kernel/errors';
import { dueSchedules } from '../core/scaling/commands/due-schedules';
import type { Container } from '../core/wiring/container';

/** The furthest one request may move the clock: ten years, past any schedule's interesting occurrences. */
const MAX_ADVANCE_SECONDS = 10 * 366 * 86_400;
/** How often the sandbox looks for due schedules in real time (EventBridge Scheduler fires within a minute). */
export const SCHEDULE_TICK_MS = 15_000;

/** A pending sleep on the clock: resolved once the clock reaches `at` (virtual ms). */
interface Timer {
  at: number;
  resolve: () => void;
  /** A periodic job's (`every`): it never makes the clock worth advancing on its own. */
  background: boolean;
  /** The function invocation that sleeps, if one does (an in-task wait or backoff). */
  invocation?: Invocation;
}

/** One function invocation in flight; `parked` counts its sleeps on the clock. */
interface Invocation {
  parked: number;
}

/** The longest real `setTimeout` Node takes (about 24.8 days); a later timer is re-armed when this one fires. */
const MAX_REAL_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The sandbox's clock (core/kernel/clock.ts): real time plus an offset that `advance` grows (it never goes back:
 * an occurrence fires once). Sleepers wait in a queue ordered by their end; one real `setTimeout` is armed for the
 * earliest, so a sandbox nobody advances runs at real speed, and an advance wakes at once, earliest first, every
 * sleeper whose end it passed. `hold()` stops it following real time (a test asserting a timed state).
 *
 * It also knows what the sandbox is doing, for a test that advances it whenever nothing real is left to wait for
 * (tests/helpers/test-clock.ts): the function invocations in flight (`track`) and which of them sleep on it.
 *
 * A tick fires, as EventBridge Scheduler would, the schedules whose latest occurrence has not fired, then runs the
 * scaling sweep (policies whose alarm stayed in state past the cooldown).
 */
export class SandboxClock implements Clock {
  private offsetMs: number;
  private heldAt: number | undefined;
  private readonly timers: Timer[] = [];
  private armed: NodeJS.Timeout | undefined;
  private readonly invocations = new Set<Invocation>();
  private readonly current = new AsyncLocalStorage<Invocation | undefined>();
  private ticking: Promise<TickResult> | undefined;

  constructor(options: { offsetMs?: number; realNow?: () => number } = {}) {
    this.offsetMs = options.offsetMs ?? 0;
    this.realNow = options.realNow ?? Date.now;
  }

  private readonly realNow: () => number;

  private nowMs(): number {
    return this.heldAt ?? this.realNow() + this.offsetMs;
  }

  now = (): Date => new Date(this.nowMs());

  /** How far ahead of real time the clock is (a restarted sandbox process starts from it). */
  offset(): number {
    return this.nowMs() - this.realNow();
  }

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => this.enqueue(this.nowMs() + ms, false, signal);

  sleepUntil = (at: Date, signal?: AbortSignal): Promise<void> => this.enqueue(at.getTime(), false, signal);

  every = (ms: number, fn: () => void): (() => void) => {
    const stop = new AbortController();
    const loop = async () => {
      while (!stop.signal.aborted) {
        await this.enqueue(this.nowMs() + ms, true, stop.signal);
        if (!stop.signal.aborted) fn();
      }
    };
    // A periodic job belongs to no invocation, whoever started it.
    void this.current.run(undefined, loop);
    return () => stop.abort();
  };

  /** Moves the clock `seconds` ahead and wakes every sleeper it passed, earliest first. */
  advance(seconds: number): Date {
    if (this.heldAt === undefined) this.offsetMs += seconds * 1000;
    else this.heldAt += seconds * 1000;
    this.wake();
    return this.now();
  }

  /** Stops following real time: the clock moves only when advanced. */
  hold(): void {
    this.heldAt ??= this.nowMs();
    this.arm();
  }

  /** Follows real time again, from where it stands. */
  resume(): void {
    if (this.heldAt === undefined) return;
    this.offsetMs = this.heldAt - this.realNow();
    this.heldAt = undefined;
    this.arm();
  }

  /** When the earliest sleeper that is not a periodic job wakes, if one sleeps. */
  nextWake(): Date | undefined {
    const next = this.timers.find((t) => !t.background);
    return next && new Date(next.at);
  }

  /** Runs a function invocation, so that `quiet` knows whether it is doing real work or sleeping on the clock. */
  track<T>(run: () => Promise<T>): Promise<T> {
    const invocation: Invocation = { parked: 0 };
    this.invocations.add(invocation);
    return this.current.run(invocation, run).finally(() => this.invocations.delete(invocation));
  }

  /** Runs `fn` outside any invocation: its sleeps (a Wait state's, a retry's backoff) belong to no function. */
  untracked<T>(fn: () => T): T {
    return this.current.run(undefined, fn);
  }

  /** True when something sleeps on the clock and every invocation in flight is asleep on it. */
  quiet(): boolean {
    if (!this.nextWake()) return false;
    for (const invocation of this.invocations) if (invocation.parked === 0) return false;
    return true;
  }

  private enqueue(end: number, background: boolean, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    // Whole milliseconds, as the clock reads and advances (a jittered backoff is fractional).
    const at = Math.ceil(end);
    const invocation = background ? undefined : this.current.getStore();
    return new Promise<void>((resolve) => {
      const timer: Timer = {
        at,
        background,
        invocation,
        resolve: () => {
          signal?.removeEventListener('abort', cancel);
          if (invocation) invocation.parked--;
          resolve();
        },
      };
      const cancel = () => {
        const index = this.timers.indexOf(timer);
        if (index < 0) return;
        this.timers.splice(index, 1);
        timer.resolve();
        this.arm();
      };
      signal?.addEventListener('abort', cancel, { once: true });
      if (invocation) invocation.parked++;
      // Ordered by end; equal ends keep their order of arrival.
      let index = this.timers.length;
      while (index > 0 && (this.timers[index - 1]?.at ?? at) > at) index--;
      this.timers.splice(index, 0, timer);
      this.wake();
    });
  }

  /** Resolves the sleepers whose end has come, earliest first, then arms the real timer for the next one. */
  private wake(): void {
    const now = this.nowMs();
    for (let next = this.timers[0]; next && next.at <= now; next = this.timers[0]) {
      this.timers.shift();
      next.resolve();
    }
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.armed);
    this.armed = undefined;
    const [next] = this.timers;
    if (this.heldAt !== undefined || !next) return;
    const delay = Math.min(MAX_REAL_TIMEOUT_MS, Math.max(0, next.at - this.nowMs()));
    this.armed = setTimeout(() => this.wake(), delay);
  }

  /** One pass; a tick asked for while one runs waits for it, then runs again (it may have missed an advance). */
  async tick(container: Container, targets: ClockTargets): Promise<TickResult> {
    while (this.ticking) await this.ticking.catch(() => undefined);
    this.ticking = this.runTick(container, targets);
    try {
      return await this.ticking;
    } finally {
      this.ticking = undefined;
    }
  }

  private async runTick(container: Container, targets: ClockTargets) {
    const fired: TickResult['fired'] = [];
    for (const due of await dueSchedules(container, this.now())) {
      const { occurrence, ...target } = due;
      try {
        fired.push({ ...due, outcome: await targets.fireSchedule({ ...target, scheduledTime: occurrence }) });
      } catch (error) {
        fired.push({ ...due, outcome: { error: errorMessage(error) } });
      }
    }
    const sweep = await targets.fireRateRule('scalingSweep').catch((error) => ({ error: errorMessage(error) }));
    return { now: this.now().toISOString(), fired, sweep };
  }
}

/** How a tick's firings reach their functions: as EventBridge Scheduler and the sweep's rate rule would invoke them. */
export interface ClockTargets {
  /** A schedule's occurrence, invoked as the schedule's role (it throws when that role may not). */
  fireSchedule(input: Record<string, unknown>): Promise<unknown>;
  /** The rate rule that invokes `functionName` (the scaling sweep's), as the function's permissions allow it. */
  fireRateRule(functionName: string): Promise<unknown>;
}

export interface TickResult {
  now: string;
  fired: { cluster: string; nodegroup: string; schedule: string; occurrence: string; outcome: unknown }[];
  sweep: unknown;
}

/** `{"advanceSeconds": N}`, N a whole number 0…MAX_ADVANCE_SECONDS. */
export function parseClockRequest(body: unknown): { advanceSeconds: number } {
  const value = (body as { advanceSeconds?: unknown } | undefined)?.advanceSeconds;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ADVANCE_SECONDS)
    throw ValidationError.forField('advanceSeconds', `must be a whole number of seconds, 0 to ${MAX_ADVANCE_SECONDS}`);
  return { advanceSeconds: value };
}
