/**
 * The one clock everything reads: rollouts, operations, scaling, in-task backoffs and the local engine's Wait
 * states and retries. Deployed it is the system clock; the sandbox's moves on demand (local/sandbox-clock.ts), so a
 * test passes a 30 s pause by advancing the clock instead of waiting it out.
 */
export interface Clock {
  now(): Date;
  /** Resolves `ms` from now on this clock; at once if `signal` is (or becomes) aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Resolves once this clock reaches `at`; at once if `signal` is (or becomes) aborted. */
  sleepUntil(at: Date, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` every `ms` of this clock until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

/** Real time. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) => realSleep(ms, signal),
  sleepUntil: (at, signal) => realSleep(at.getTime() - Date.now(), signal),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
