/**
 * The chart's data: weights over a rollout's life from its history (each completed setWeight step, the switch,
 * promotion or abort), then the live samples (weights and Ready replicas) taken while the page is open.
 * Pure: unit-tested without a browser.
 */
export interface Sample {
  /** Seconds since the epoch (uPlot's x axis). */
  t: number;
  canaryWeight: number;
  stableWeight: number;
  canaryReady?: number;
  stableReady?: number;
}

interface HistoryLike {
  at: string;
  type: string;
  stepIndex?: number;
}

interface RolloutLike {
  strategy: string;
  steps?: Record<string, any>[];
  history?: HistoryLike[];
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function samplesFromHistory(r: RolloutLike): Sample[] {
  const out: Sample[] = [];
  const push = (at: string, canary: number) =>
    out.push({ t: seconds(at), canaryWeight: canary, stableWeight: 100 - canary });
  for (const h of r.history ?? []) {
    if (h.type === 'Started') push(h.at, 0);
    else if (h.type === 'StepCompleted' && h.stepIndex !== undefined) {
      const step = r.steps?.[h.stepIndex];
      if (step && 'setWeight' in step) push(h.at, step.setWeight);
    } else if (h.type === 'Switched' || h.type === 'Promoted') push(h.at, 100);
    else if (h.type === 'Aborted') push(h.at, 0);
  }
  return out;
}

/** History points and live samples in time order, as uPlot's columns (x first); a missing value is null. */
export function chartColumns(samples: Sample[]): (number | null)[][] {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  // uPlot needs strictly increasing x: of two samples in the same second, keep the later.
  const unique = sorted.filter((s, i) => sorted[i + 1]?.t !== s.t);
  return [
    unique.map((s) => s.t),
    unique.map((s) => s.canaryWeight),
    unique.map((s) => s.stableWeight),
    unique.map((s) => s.canaryReady ?? null),
    unique.map((s) => s.stableReady ?? null),
  ];
}
