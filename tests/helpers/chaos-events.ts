import { randomUUID } from 'node:crypto';
import { alarmEvent } from './events';

/** A CloudWatch alarm state change for `alarm`, stamped now (as CloudWatch would), with a fresh event id. */
export function alarmStateChange(alarm: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', previous = 'OK') {
  const now = new Date().toISOString();
  const base = alarmEvent();
  return {
    ...base,
    id: randomUUID(),
    time: now,
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarm}`],
    detail: {
      ...base.detail,
      alarmName: alarm,
      state: { ...base.detail.state, value: state, timestamp: now.replace('Z', '+0000') },
      previousState: { ...base.detail.previousState, value: previous },
    },
  };
}

/**
 * Delivers every item of `deliveries` concurrently, each after its own random delay under `spreadMs`,
 * so duplicates arrive interleaved and in a random order (drawn from `random`, so replayable).
 */
export async function deliverShuffled<T>(
  deliveries: (() => Promise<T>)[],
  random: () => number,
  spreadMs = 30,
): Promise<T[]> {
  return Promise.all(
    deliveries.map(async (deliver) => {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * spreadMs)));
      return deliver();
    }),
  );
}
