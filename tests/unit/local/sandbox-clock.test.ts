import { ValidationError } from '../../../core/kernel/errors';
import { parseClockRequest, SandboxClock } from '../../../local/sandbox-clock';

describe('SandboxClock', () => {
  it('is real time plus what was advanced, and only goes forward', () => {
    // Prepare
    let real = Date.parse('2027-03-13T12:00:00Z');
    const clock = new SandboxClock({ realNow: () => real });

    // Act
    clock.advance(3600);
    real += 1000;

    // Assess
    expect(clock.now().toISOString()).toBe('2027-03-13T13:00:01.000Z');
  });

  it('wakes the sleepers an advance passes, earliest first, and no other', async () => {
    // Prepare
    const clock = new SandboxClock();
    clock.hold();
    const woke: string[] = [];
    void clock.sleep(30_000).then(() => woke.push('30 s'));
    void clock.sleep(10_000).then(() => woke.push('10 s'));
    void clock.sleepUntil(new Date(clock.now().getTime() + 20_000)).then(() => woke.push('20 s'));

    // Act
    clock.advance(29);
    await flush();
    const after29 = [...woke];
    clock.advance(1);
    await flush();

    // Assess
    expect(after29).toEqual(['10 s', '20 s']);
    expect(woke).toEqual(['10 s', '20 s', '30 s']);
  });

  it('does not move while held, however much real time passes', async () => {
    // Prepare
    let real = 0;
    const clock = new SandboxClock({ realNow: () => real });
    clock.hold();

    // Act
    real += 60_000;

    // Assess
    expect(clock.now().getTime()).toBe(0);
    clock.resume();
    real += 1000;
    expect(clock.now().getTime()).toBe(1000);
  });

  it('wakes a sleeper in real time when nobody advances it', async () => {
    // Prepare
    const clock = new SandboxClock();

    // Act / Assess: resolves (the test would time out otherwise)
    await clock.sleep(5);
  });

  it('cancels a sleep whose signal aborts, and forgets it', async () => {
    // Prepare
    const clock = new SandboxClock();
    clock.hold();
    const abort = new AbortController();
    const slept = clock.sleep(60_000, abort.signal);

    // Act
    abort.abort();
    await slept;

    // Assess
    expect(clock.nextWake()).toBeUndefined();
  });

  it('runs a periodic job once per period passed, and never counts it as a reason to advance', async () => {
    // Prepare
    const clock = new SandboxClock();
    clock.hold();
    let runs = 0;
    const stop = clock.every(1000, () => runs++);
    await flush();

    // Act
    clock.advance(1);
    await flush();
    clock.advance(1);
    await flush();
    stop();
    clock.advance(1);
    await flush();

    // Assess
    expect(runs).toBe(2);
    expect(clock.nextWake()).toBeUndefined();
    expect(clock.quiet()).toBe(false);
  });

  it('is quiet only when every invocation in flight sleeps on it', async () => {
    // Prepare
    const clock = new SandboxClock();
    clock.hold();
    let release: () => void = () => undefined;
    const working = clock.track(() => new Promise<void>((resolve) => (release = resolve)));
    const sleeping = clock.track(() => clock.sleep(5000));
    await flush();

    // Act
    const whileWorking = clock.quiet();
    release();
    await working;
    const once = clock.quiet();
    clock.advance(5);
    await sleeping;

    // Assess
    expect(whileWorking).toBe(false);
    expect(once).toBe(true);
    expect(clock.quiet()).toBe(false);
  });
});

/** Lets the promise callbacks of woken sleepers run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('parseClockRequest', () => {
  it.each([[{ advanceSeconds: 0 }], [{ advanceSeconds: 86_400 }]])('accepts %j', (body) => {
    // Act / Assess
    expect(parseClockRequest(body)).toEqual(body);
  });

  it.each([[undefined], [{}], [{ advanceSeconds: -1 }], [{ advanceSeconds: 1.5 }], [{ advanceSeconds: '60' }]])(
    'refuses %j naming advanceSeconds',
    (body) => {
      // Act
      const parse = () => parseClockRequest(body);

      // Assess
      expect(parse).toThrow(ValidationError);
      expect(parse).toThrow(/advanceSeconds/);
    },
  );
});
