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
 * Delivers every item of `deliveries` at once, started in an order drawn from `random` (so replayable): duplicates
 * arrive concurrently and out of order, with no timed spread between them. Answers in the order of `deliveries`.
 */
export async function deliverShuffled<T>(deliveries: (() => Promise<T>)[], random: () => number): Promise<T[]> {
  const answers: Promise<T>[] = [];
  const order = deliveries.map((deliver, index) => ({ deliver, index, key: random() })).sort((a, b) => a.key - b.key);
  for (const { deliver, index } of order) answers[index] = deliver();
  return Promise.all(answers);
}
