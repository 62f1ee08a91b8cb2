/**
 * What the fault proxy can do to one request, and the seeded choice of it. Pure: no sockets here,
 * so the choice is unit-tested and a failing chaos run can be replayed from its seed.
 */

export const FAULT_KINDS = ['throttle', 'error5xx', 'conflict', 'slow', 'dropBefore', 'dropAfter'] as const;

/**
 * - `throttle`: 429 in the upstream's own throttling shape (AWS `ThrottlingException`, Kubernetes `Status`).
 * - `error5xx`: 500 or 503 with a proper body; the request never reaches the server.
 * - `conflict`: 409 `Status` (reason Conflict) for Kubernetes writes; other requests pass untouched.
 * - `slow`: the request is forwarded after an added delay.
 * - `dropBefore`: the connection is closed before forwarding (the server never sees the request).
 * - `dropAfter`: forwarded and applied by the server, then the connection is closed before the client
 *   hears the answer (the case that proves a step is safe to run twice).
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSettings {
  /** Share of requests that get a fault, 0..1. */
  rate: number;
  /** Kinds drawn from, each equally likely; all of them when omitted. */
  kinds?: readonly FaultKind[];
  /** Seed of the pseudo-random sequence: the same seed and request order give the same faults. */
  seed?: number;
  /** Added latency of a `slow` fault, in ms. */
  slowMs?: number;
}

export interface RequestFacts {
  method: string;
  path: string;
  /** `DynamoDB_20120810.PutItem` (AWS JSON protocols) or `METHOD /path`: lets a test aim faults at some calls. */
  operation: string;
}

/** One slow fault's default latency: long enough to reorder concurrent calls, short enough for CI. */
export const DEFAULT_SLOW_MS = 300;

/** Writes a Kubernetes server can reject with 409 Conflict (a stale resourceVersion). */
const CONFLICTABLE_METHODS = new Set(['PUT', 'PATCH']);

/** mulberry32: a small, well-known 32-bit PRNG, good enough to spread faults and fully reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether a kind can apply to this request (a 409 Conflict only makes sense for a Kubernetes update). */
export function applies(kind: FaultKind, request: RequestFacts, upstream: 'aws' | 'kube'): boolean {
  if (kind === 'conflict') return upstream === 'kube' && CONFLICTABLE_METHODS.has(request.method.toUpperCase());
  return true;
}

/** Draws the fault for the next request (undefined: forward it untouched). */
export class FaultPlan {
  private random: () => number;
  private settings: Required<FaultSettings>;

  constructor(settings: FaultSettings = { rate: 0 }) {
    this.settings = normalise(settings);
    this.random = seededRandom(this.settings.seed);
  }

  /** Replaces the settings and restarts the sequence from the (new) seed. */
  set(settings: FaultSettings): void {
    this.settings = normalise(settings);
    this.random = seededRandom(this.settings.seed);
  }

  get current(): Readonly<Required<FaultSettings>> {
    return this.settings;
  }

  /** Two draws per request whatever the outcome, so one request's fault never shifts the next one's. */
  next(request: RequestFacts, upstream: 'aws' | 'kube'): FaultKind | undefined {
    const hit = this.random() < this.settings.rate;
    const pick = this.random();
    if (!hit || this.settings.kinds.length === 0) return undefined;
    const kind = this.settings.kinds[Math.floor(pick * this.settings.kinds.length)];
    return kind && applies(kind, request, upstream) ? kind : undefined;
  }

  /** A second draw in [0, 1) for choices inside a fault (500 or 503). */
  draw(): number {
    return this.random();
  }
}

function normalise(settings: FaultSettings): Required<FaultSettings> {
  if (!(settings.rate >= 0 && settings.rate <= 1))
    throw new RangeError(`fault rate must be in [0, 1]: ${settings.rate}`);
  const kinds = settings.kinds ?? FAULT_KINDS;
  for (const kind of kinds) if (!FAULT_KINDS.includes(kind)) throw new RangeError(`unknown fault kind ${kind}`);
  return { rate: settings.rate, kinds, seed: settings.seed ?? 1, slowMs: settings.slowMs ?? DEFAULT_SLOW_MS };
}
