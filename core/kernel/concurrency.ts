/** The outcome of one item of `settleEach`: its value, or the error it threw. */
export type Settled<T, R> = { item: T; ok: true; value: R } | { item: T; ok: false; error: unknown };

/**
 * Runs `fn` over every item with at most `limit` calls in flight, and settles each on its own:
 * one item that throws neither stops nor fails the others. Results come back in the items' order.
 */
export async function settleEach<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<Settled<T, R>[]> {
  if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, got ${limit}`);
  const results: Settled<T, R>[] = new Array(items.length);
  // One iterator shared by the workers: each takes the next item when it is free.
  const queue = items.entries();
  const worker = async () => {
    for (const [index, item] of queue) {
      try {
        results[index] = { item, ok: true, value: await fn(item) };
      } catch (error) {
        results[index] = { item, ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Shares the work of identical requests: while a call for `key` is in flight, or for `ttlMs` after it
 * succeeded, callers with the same key get its result instead of doing the work again. A failure
 * is not remembered (the next caller tries again). At most `capacity` results are kept, oldest out first.
 */
export class Coalescer<R> {
  private readonly inFlight = new Map<string, Promise<R>>();
  private readonly done = new Map<string, { value: R; until: number }>();

  constructor(private readonly options: { ttlMs: number; capacity: number; now?: () => number }) {}

  /** Whether work for `key` is running right now. */
  isInFlight(key: string): boolean {
    return this.inFlight.has(key);
  }

  /** `shared` says whether the result came from another caller's work. */
  async run(key: string, work: () => Promise<R>): Promise<{ value: R; shared: boolean }> {
    const now = (this.options.now ?? Date.now)();
    const remembered = this.done.get(key);
    if (remembered && remembered.until > now) return { value: remembered.value, shared: true };
    const running = this.inFlight.get(key);
    if (running) return { value: await running, shared: true };
    const promise = work();
    this.inFlight.set(key, promise);
    try {
      const value = await promise;
      this.remember(key, value);
      return { value, shared: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  private remember(key: string, value: R) {
    this.done.delete(key);
    this.done.set(key, { value, until: (this.options.now ?? Date.now)() + this.options.ttlMs });
    while (this.done.size > this.options.capacity) this.done.delete(this.done.keys().next().value as string);
  }
}
