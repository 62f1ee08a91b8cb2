import { SandboxClock } from '../../local/sandbox-clock';

/**
 * Virtual time for tests. A test's runtimes read one SandboxClock (local/sandbox-clock.ts); the test either
 * advances it itself (`hold`, then `advance` past a pause it asserts on) or lets `autoAdvance` jump it to the next
 * sleeper's end whenever the sandbox has nothing real left to do, so no test waits out a pause, a poll or a backoff.
 */

/** How long "quiet" must hold, in real time, before the clock jumps: the sandbox may be between two awaits. */
const SETTLE_MS = 20;
/** How often, in real time, auto-advance looks. */
const LOOK_EVERY_MS = 5;

let shared: SandboxClock | undefined;

/** The clock every runtime of this test file reads (Jest loads modules per file), at real time to start with. */
export function testClock(): SandboxClock {
  shared ??= new SandboxClock();
  return shared;
}

export interface AutoAdvanceOptions {
  /**
   * Real work the clock cannot see (the emulator's clusters CREATING for want of a control plane): while it is
   * pending the clock runs at real speed.
   */
  busy?: () => Promise<boolean>;
  /** Called with the clock's offset from real time after each jump (a crash-test child reports it to its parent). */
  onAdvance?: (offsetMs: number) => void;
}

/**
 * Jumps `clock` to its next sleeper's end each time every function invocation in flight sleeps on it, nothing is
 * `busy`, and that has held for SETTLE_MS. Returns the stop function.
 */
export function autoAdvance(clock: SandboxClock, options: AutoAdvanceOptions = {}): () => void {
  let stopped = false;
  void (async () => {
    let quietSince: number | undefined;
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
      if (!clock.quiet()) {
        quietSince = undefined;
        continue;
      }
      quietSince ??= performance.now();
      if (performance.now() - quietSince < SETTLE_MS) continue;
      if (options.busy && (await options.busy().catch(() => true))) {
        quietSince = undefined;
        continue;
      }
      const next = clock.nextWake();
      // Something may have woken or started while `busy` was asked.
      if (stopped || !next || !clock.quiet()) continue;
      clock.advance(Math.max(0, next.getTime() - clock.now().getTime()) / 1000);
      options.onAdvance?.(clock.offset());
      quietSince = undefined;
    }
  })();
  return () => {
    stopped = true;
  };
}

/** Moves `clock` ahead and lets what it woke run up to its next await. */
export async function advance(clock: SandboxClock, seconds: number): Promise<void> {
  clock.advance(seconds);
  await new Promise<void>((resolve) => setImmediate(resolve));
}
