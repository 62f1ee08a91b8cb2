import type { Clock } from '../../kernel/clock';

/**
 * aws-local-stepfunctions sleeps in Wait states and between retries with a private `setTimeout`, so it can follow
 * no clock but the real one. Here a definition is rewritten so that both sleep on the engine's clock instead:
 *  - every Wait becomes a Task of the same name whose local handler sleeps until the Wait's end and returns its
 *    input (a Task with the default ResultPath outputs exactly what the Wait would); the state's name, and so the
 *    states entered and the transitions billed, are unchanged;
 *  - a retried Task's backoff is slept by its handler before it rethrows, computed from the state's `Retry` as
 *    Step Functions does, while the library is told to wait 0 ms.
 */

/** The resource of a rewritten Wait (no Lambda: the engine's local handler runs it). */
const CLOCK_WAIT_RESOURCE = 'arn:aws:states:::eksflow:wait';
/**
 * The library fails a Task that runs longer than its TimeoutSeconds (60 s by default) in real time; a Wait has no
 * such limit. The longest real timer Node arms: about 24.8 days.
 */
const WAIT_TIMEOUT_SECONDS = 2_147_483;

type State = Record<string, unknown>;

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

interface WaitEnd {
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
}

export interface ClockStates {
  /** The definition with every Wait (Map and Parallel branches included) a Task of the same name. */
  definition: State;
  /** Rewritten Wait state name → how its end is given. */
  waits: Map<string, WaitEnd>;
  /** Task state name → its `Retry`, for the states that have one. */
  retries: Map<string, Retrier[]>;
}

export function clockStates(definition: State): ClockStates {
  const waits = new Map<string, WaitEnd>();
  const retries = new Map<string, Retrier[]>();
  const rewrite = (machine: State): State => {
    const states: Record<string, State> = {};
    for (const [name, state] of Object.entries(machine.States as Record<string, State>)) {
      if (waits.has(name) || retries.has(name))
        throw new Error(`state name ${name} is used twice; names must be unique across branches`);
      if (state.Type === 'Wait') {
        waits.set(name, waitEnd(name, state));
        const { Type, Seconds, SecondsPath, Timestamp, TimestampPath, ...rest } = state;
        states[name] = { ...rest, Type: 'Task', Resource: CLOCK_WAIT_RESOURCE, TimeoutSeconds: WAIT_TIMEOUT_SECONDS };
        continue;
      }
      if (state.Type === 'Task' && Array.isArray(state.Retry)) retries.set(name, state.Retry as Retrier[]);
      const copy: State = { ...state };
      if (Array.isArray(state.Branches)) copy.Branches = state.Branches.map((b) => rewrite(b as State));
      for (const key of ['Iterator', 'ItemProcessor'] as const)
        if (state[key]) copy[key] = rewrite(state[key] as State);
      states[name] = copy;
    }
    return { ...machine, States: states };
  };
  return { definition: rewrite(definition), waits, retries };
}

/** Only simple `$.a.b` paths: the definitions use nothing else, and anything else fails here, at load. */
const SIMPLE_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

function waitEnd(name: string, state: State): WaitEnd {
  const end = state as WaitEnd;
  for (const path of [end.SecondsPath, end.TimestampPath])
    if (path !== undefined && !SIMPLE_PATH.test(path))
      throw new Error(`Wait state ${name}: only $.a.b paths are supported, not ${path}`);
  return {
    Seconds: end.Seconds,
    SecondsPath: end.SecondsPath,
    Timestamp: end.Timestamp,
    TimestampPath: end.TimestampPath,
  };
}

function read(input: unknown, path: string): unknown {
  let value: unknown = input;
  for (const key of path.slice(2).split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

/** When a Wait that starts now ends, from its input (after InputPath), as Step Functions reads it. */
export function waitEndsAt(end: WaitEnd, input: unknown, now: Date): Date {
  if (end.Timestamp !== undefined) return new Date(end.Timestamp);
  if (end.TimestampPath !== undefined) return new Date(String(read(input, end.TimestampPath)));
  const seconds = end.SecondsPath !== undefined ? read(input, end.SecondsPath) : end.Seconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
    throw Object.assign(new Error(`the Wait's seconds must be a whole number ≥ 0, not ${JSON.stringify(seconds)}`), {
      name: 'States.Runtime',
    });
  return new Date(now.getTime() + seconds * 1000);
}

/** Errors the library treats as a Task timeout (its StatesTimeoutError), which States.TaskFailed does not match. */
const TIMEOUT_ERROR = 'States.Timeout';

/** The first retrier whose ErrorEquals matches, as the library (and Step Functions) picks it. */
function matchingRetrier(retriers: Retrier[], error: unknown): number | undefined {
  const name = (error as { name?: unknown })?.name;
  if ((error as { isRetryable?: unknown })?.isRetryable === false) return undefined;
  const index = retriers.findIndex((r) =>
    r.ErrorEquals.some(
      (e) => e === name || e === 'States.ALL' || (e === 'States.TaskFailed' && name !== TIMEOUT_ERROR),
    ),
  );
  return index < 0 ? undefined : index;
}

/**
 * A task handler that, when `run` fails with an error the state retries, sleeps the retry's backoff on the clock
 * before it rethrows (the library then retries at once). Attempts are counted per input, so that the iterations of
 * a Map, which share the state's name, count apart; a success or a final failure forgets them.
 */
export function retryingOnClock<I, O>(
  retriers: Retrier[],
  clock: Pick<Clock, 'sleep'>,
  signal: AbortSignal,
  run: (input: I) => Promise<O>,
): (input: I) => Promise<O> {
  const attempts = new Map<string, number[]>();
  return async (input) => {
    const key = JSON.stringify(input);
    try {
      const output = await run(input);
      attempts.delete(key);
      return output;
    } catch (error) {
      const index = matchingRetrier(retriers, error);
      const counts = attempts.get(key) ?? retriers.map(() => 0);
      const retrier = index === undefined ? undefined : retriers[index];
      const done = index === undefined ? 0 : (counts[index] ?? 0);
      if (index === undefined || !retrier || done >= (retrier.MaxAttempts ?? 3)) {
        attempts.delete(key);
        throw error;
      }
      await clock.sleep(backoffMs(retrier, done), signal);
      counts[index] = done + 1;
      attempts.set(key, counts);
      throw error;
    }
  };
}

/** IntervalSeconds·BackoffRate^n, capped by MaxDelaySeconds; with FULL jitter a random point below that. */
export function backoffMs(retrier: Retrier, previousAttempts: number, random: () => number = Math.random): number {
  const seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** previousAttempts;
  const ceiling = Math.min(seconds, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY) * 1000;
  return retrier.JitterStrategy === 'FULL' ? random() * ceiling : ceiling;
}
