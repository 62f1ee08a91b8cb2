import { Coalescer, settleEach } from '../../../../core/kernel/concurrency';

describe('settleEach', () => {
  it('settles every item on its own, in order, with at most `limit` in flight', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const work = async (n: number) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (n === 3) throw new Error('three');
      return n * 2;
    };

    // Act
    const results = await settleEach([1, 2, 3, 4, 5, 6, 7], 3, work);

    // Assess
    expect(most).toBe(3);
    expect(results.map((r) => (r.ok ? r.value : (r.error as Error).message))).toEqual([2, 4, 'three', 8, 10, 12, 14]);
  });

  it('refuses a limit below 1', async () => {
    // Act / Assess
    await expect(settleEach([1], 0, async (n) => n)).rejects.toThrow(RangeError);
  });
});

describe('Coalescer', () => {
  it('runs the work once for callers in flight and within the TTL, again after it', async () => {
    // Prepare
    let now = 0;
    let runs = 0;
    const coalescer = new Coalescer<number>({ ttlMs: 1000, capacity: 10, now: () => now });
    const work = async () => {
      runs++;
      await new Promise((r) => setImmediate(r));
      return runs;
    };

    // Act
    const running = Promise.all([1, 2, 3].map(() => coalescer.run('k', work)));
    const inFlight = coalescer.isInFlight('k');
    const burst = await running;
    now = 999;
    const within = await coalescer.run('k', work);
    now = 1001;
    const after = await coalescer.run('k', work);

    // Assess
    expect(burst.map((r) => r.shared)).toEqual([false, true, true]);
    expect(inFlight).toBe(true);
    expect(coalescer.isInFlight('k')).toBe(false);
    expect(within).toEqual({ value: 1, shared: true });
    expect(after).toEqual({ value: 2, shared: false });
  });

  it('does not remember a failure, and keeps at most `capacity` results', async () => {
    // Prepare
    const coalescer = new Coalescer<string>({ ttlMs: 1000, capacity: 2 });
    await expect(coalescer.run('x', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');

    // Act
    const retried = await coalescer.run('x', async () => 'ok');
    await coalescer.run('y', async () => 'y');
    await coalescer.run('z', async () => 'z');
    const evicted = await coalescer.run('x', async () => 'again');

    // Assess
    expect(retried).toEqual({ value: 'ok', shared: false });
    expect(evicted).toEqual({ value: 'again', shared: false });
  });
});
