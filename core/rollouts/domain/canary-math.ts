/**
 * Replica-ratio canary maths (no traffic router: the Service spreads requests over all Ready pods,
 * so the share of pods is the share of traffic).
 *
 * For `setWeight: w` over N replicas: canary = ceil(N·w/100), stable = N − canary.
 *   N=10, w=10 → canary 1, stable 9     N=10, w=50 → 5 / 5      N=3, w=10 → 1 / 2 (ceil: a canary of 0 tests nothing)
 *   N=10, w=0  → 0 / 10                 N=10, w=100 → 10 / 0     N=1, w=50 → 1 / 0
 * The stable side never drops below what it must serve while the canary is not Ready:
 *   stable = N − min(canaryDesired, canaryReady). Scaling up the canary to 3 with 1 Ready keeps stable at N−1.
 */
export interface ReplicaSplit {
  canary: number;
  stable: number;
}

export function canarySplit(total: number, weight: number): ReplicaSplit {
  if (total < 0 || !Number.isInteger(total))
    throw new RangeError(`total replicas must be a whole number ≥ 0, got ${total}`);
  if (!(weight >= 0 && weight <= 100)) throw new RangeError(`weight must be 0–100, got ${weight}`);
  const canary = Math.min(total, Math.ceil((total * weight) / 100));
  return { canary, stable: total - canary };
}

/** Stable replicas to keep given how many canary pods are Ready now (never fewer than the split asks). */
export function stableReplicasWhileCanaryStarts(total: number, desired: ReplicaSplit, canaryReady: number): number {
  const served = Math.min(desired.canary, Math.max(0, canaryReady));
  return Math.max(desired.stable, total - served);
}

/** Actual traffic share in percent from Ready pod counts (what the API reports as weights). */
export function trafficWeights(canaryReady: number, stableReady: number): { canary: number; stable: number } {
  const total = canaryReady + stableReady;
  if (total === 0) return { canary: 0, stable: 0 };
  const canary = Math.round((canaryReady * 100) / total);
  return { canary, stable: 100 - canary };
}

/**
 * Canary replicas to keep while an abort brings stable back: only as many canary pods go as stable pods are
 * Ready to replace them, so Ready pods never drop below N (and stable at 0 Ready keeps the whole canary).
 *   N=10, canary 5, stable Ready 5 → 5     stable Ready 8 → 2     stable Ready 10 → 0
 */
export function canaryReplicasWhileStableRecovers(total: number, stableReady: number, canaryReplicas: number): number {
  return Math.min(canaryReplicas, Math.max(0, total - stableReady));
}
