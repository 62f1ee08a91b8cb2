import type { Container } from '../core/wiring/container';
import { errorMessage, ValidationError } from '../core/kernel/errors';
import { dueSchedules } from '../core/scaling/commands/due-schedules';

/** The furthest one request may move the clock: ten years, past any schedule's interesting occurrences. */
const MAX_ADVANCE_SECONDS = 10 * 366 * 86_400;
/** How often the sandbox looks for due schedules in real time (EventBridge Scheduler fires within a minute). */
export const SCHEDULE_TICK_MS = 15_000;

/**
 * The sandbox's controllable clock for schedules and policy cooldowns: real time plus an offset that
 * `POST /_local/clock {"advanceSeconds": N}` grows (it never goes back: an occurrence fires once). Each
 * tick fires, as EventBridge Scheduler would, the schedules whose latest occurrence has not fired, then
 * runs the scaling sweep (policies whose alarm stayed in state past the cooldown).
 */
export class SandboxClock {
  private offsetMs = 0;
  private ticking: Promise<TickResult> | undefined;

  constructor(private readonly realNow: () => number = Date.now) {}

  now = (): Date => new Date(this.realNow() + this.offsetMs);

  advance(seconds: number): Date {
    this.offsetMs += seconds * 1000;
    return this.now();
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
