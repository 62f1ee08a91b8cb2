import { clampDesired, type NodegroupSizes } from './sizes';

/** What an alarm policy does to the desired size (Application Auto Scaling's step adjustments, by name). */
export type Adjustment =
  | { type: 'change'; value: number }
  | { type: 'percent'; value: number; minStep?: number }
  | { type: 'exact'; value: number }
  | { type: 'fitPendingPods' };

/**
 * The desired size after an adjustment, within the bounds. `percent` rounds away from zero (a 10 % step
 * of 3 nodes is 1 node, not 0) and moves by at least `minStep` (default 1), as EC2 Auto Scaling's
 * MinAdjustmentMagnitude does, so that a small group still moves. `fitPendingPods` is computed elsewhere.
 */
export function adjustedSizes(current: NodegroupSizes, adjustment: Exclude<Adjustment, { type: 'fitPendingPods' }>) {
  return clampDesired(current, adjustedDesired(current.desiredSize, adjustment));
}

function adjustedDesired(desired: number, adjustment: Exclude<Adjustment, { type: 'fitPendingPods' }>): number {
  switch (adjustment.type) {
    case 'exact':
      return adjustment.value;
    case 'change':
      return desired + adjustment.value;
    case 'percent': {
      if (adjustment.value === 0) return desired;
      const raw = (desired * Math.abs(adjustment.value)) / 100;
      const step = Math.max(Math.ceil(raw), adjustment.minStep ?? 1);
      return desired + Math.sign(adjustment.value) * step;
    }
  }
}
