import { ThrottledError, TransientError, VersionConflictError } from './errors';

/*
 * Who retries what: each kind of failure has exactly one retry layer inside a Lambda invocation, because
 * nested layers multiply (SDK 3 × ours 5 × the workflow's 7 = 105 requests for one throttled call) and every
 * extra request takes a token from an AWS quota that is already empty, which only prolongs the throttling.
 *  - A throttled, 5xx or dropped AWS call: `withRetry` below, through `awsCall` (adapters/aws/aws-call.ts),
 *    jittered exponential backoff, AWS_CALL_RETRY's 6 attempts. The SDK clients are built with `maxAttempts: 1`
 *    (SDK_RETRY_OFF) so the SDK does not retry underneath.
 *  - A dropped connection to a Kubernetes API: `withRetry` through `kubeCall` (adapters/kube/kube-call.ts).
 *  - An optimistic-lock conflict (a record, or a rollout's Deployment, changed since it was read): a store or
 *    a check throws VersionConflictError, the per-attempt signal, and `retryOnConflict`/`ConflictBudget` below
 *    (the only code that retries it) read again and decide again, CONFLICT_ATTEMPTS times; then a
 *    TransientError (503 `Transient`, `cause` the last conflict), which the workflow's Task `Retry` runs again.
 *    Users: the operation stores' `update` (`updateOperation`, operations/ports/operation-store.ts),
 *    `withFreshRollout` (rollouts/rollout-deps.ts), the reconcile task, and a scaling trigger that waits while the
 *    node-group lock's release races it.
 *  - What no code inside the function can retry (Lambda's own errors: Lambda.ServiceException,
 *    Lambda.AWSLambdaException, Lambda.SdkClientException, Lambda.TooManyRequestsException, Sandbox.Timedout):
 *    the workflow's Task `Retry` (workflows/*.asl.json), 6 attempts.
 *  - A task whose in-task budget ran out: the Task `Retry` runs the whole (idempotent) step again, later, once the
 *    pressure has had time to ease: a ThrottledError up to 8 times, backing off to 30 s (an account-wide quota
 *    such as DescribeAlarms' is shared by every rollout, so a burst of starts must slow them, never fail one);
 *    a TransientError or VersionConflictError twice.
 * AccessDenied and the other 4xx are never retried: another attempt gets the same answer.
 */

/** Attempts a read-decide-write gets before giving up: an operation record's write, a rollout decision. */
export const CONFLICT_ATTEMPTS = { record: 10, decision: 5 } as const;

/** Counts VersionConflictErrors; one budget may span several reads (a reconcile task's passes). */
export class ConflictBudget {
  private spent = 0;

  constructor(
    private readonly what: string,
    private readonly attempts: number,
  ) {}

  /**
   * Rethrows anything that is not a VersionConflictError; on the `attempts`-th conflict throws a TransientError
   * naming `what`, with the conflict as its `cause`. Otherwise returns: read again and decide again.
   */
  spend(error: unknown): void {
    if (!(error instanceof VersionConflictError)) throw error;
    if (++this.spent >= this.attempts) {
      throw new TransientError(`${this.what}: too many concurrent writers`, { cause: error });
    }
  }
}

/**
 * Runs `attempt` again after each VersionConflictError, with no delay (the other writer has already written:
 * waiting gains nothing). `attempt` must read fresh each time; `n` counts the attempts from 0.
 */
export async function retryOnConflict<T>(
  what: string,
  attempt: (n: number) => Promise<T>,
  attempts: number = CONFLICT_ATTEMPTS.decision,
): Promise<T> {
  const budget = new ConflictBudget(what, attempts);
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      budget.spend(error);
    }
  }
}

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Decides whether an error is worth another attempt. */
  isRetryable?: (error: unknown) => boolean;
  /**
   * No new attempt starts later than this many ms after the first one began (e.g. when an attempt may
   * run for a whole request timeout and the caller must finish inside a Lambda's time).
   */
  lastAttemptStartMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Socket and DNS error codes that another attempt may not meet: Node's net/dns/http (`socket hang up` is
 * ECONNRESET), node-fetch 2 (what @kubernetes/client-node 1.4 uses: a FetchError carries the system code)
 * and undici (global fetch: the code is on `cause`).
 *
 * ENOTFOUND is left out on purpose: it is the resolver's definite "no such name" (NXDOMAIN), which a
 * wrong or deleted endpoint gives every time, so retrying would only delay the real error. A DNS hiccup
 * (resolver timeout, SERVFAIL) is EAI_AGAIN, which is in.
 */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  // node-fetch 2 / Node streams: the connection closed in the middle of a (chunked) body.
  'ERR_STREAM_PREMATURE_CLOSE',
  // undici
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * Error names of a request that ran out of time: the AWS SDK's (smithy) connection and request
 * timeouts, and the DOMException of `AbortSignal.timeout()` under global fetch.
 */
const TIMEOUT_NAMES = new Set(['TimeoutError']);

/** How deep to follow `cause` (fetch wraps the socket error once; a wrapper of ours may add one more). */
const MAX_CAUSE_DEPTH = 4;

/** A dropped, refused, unreachable or timed-out connection, on the error itself or in its `cause` chain. */
export function isTransientNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && TRANSIENT_NETWORK_CODES.has(e.code)) return true;
    if (typeof e.name === 'string' && TIMEOUT_NAMES.has(e.name)) return true;
    if (isWrappedNetworkError(current)) return true;
    current = e.cause;
  }
  return false;
}

/**
 * The SDK's retry middleware wraps a thrown value that is not `instanceof Error` (a socket error from
 * another realm, as under Jest's VM contexts) into a plain Error whose message is all that is left.
 */
const SDK_WRAPPED_NETWORK_ERROR = /^AWS SDK error wrapper for (TimeoutError|Error): (socket hang up|read ECONNRESET)/;

function isWrappedNetworkError(error: object): boolean {
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && SDK_WRAPPED_NETWORK_ERROR.test(message);
}

/** Our own transient classes, AWS throttling, 429 and 5xx, dropped connections. */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof ThrottledError || error instanceof TransientError) return true;
  const e = error as { name?: string; code?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable) return true;
  const awsThrottles = [
    'ThrottlingException',
    'Throttling',
    'TooManyRequestsException',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
  ];
  if (e.name && awsThrottles.includes(e.name)) return true;
  const status = e.$metadata?.httpStatusCode ?? (typeof e.code === 'number' ? e.code : undefined);
  // 409 is left out on purpose: for AWS it means "in use"/"conflict", which a retry cannot fix.
  if (status === 429) return true;
  if (status !== undefined && status >= 500) return true;
  return isTransientNetworkError(error);
}

/** Runs `fn` again after an exponentially growing, jittered delay while the error is retryable. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 3000;
  const retryable = options.isRetryable ?? isRetryableError;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const startedAt = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const ceiling = Math.min(max, base * 2 ** (attempt - 1));
      const delay = ceiling / 2 + Math.random() * (ceiling / 2);
      const lateStart =
        options.lastAttemptStartMs !== undefined && now() + delay - startedAt > options.lastAttemptStartMs;
      if (lateStart) throw error;
      await sleep(delay);
    }
  }
}
