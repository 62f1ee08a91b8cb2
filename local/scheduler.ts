import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/kernel/clock';

/** `rate(5 minutes)`, `rate(1 hour)`, `rate(30 seconds)` → milliseconds; cron(...) is not run locally. */
export function rateToMs(expression: string): number | undefined {
  const match = /^rate\((\d+)\s+(second|minute|hour|day)s?\)$/.exec(expression.trim());
  if (!match) return undefined;
  const unit = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }[
    match[2] as 'second' | 'minute' | 'hour' | 'day'
  ];
  return Number(match[1]) * unit;
}

/** The EventBridge "Scheduled Event" a schedule rule delivers. */
export function scheduledEvent(region: string, rule: string): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${rule}`],
    detail: {},
  };
}

/** Runs `fire` for each rate rule's target at its interval on the clock, as EventBridge would; returns a stop function. */
export function startSchedules(
  clock: Clock,
  schedules: { functionName: string; expression: string }[],
  fire: (functionName: string) => Promise<unknown>,
  onError: (error: unknown) => void,
): () => void {
  const stops = schedules.flatMap(({ functionName, expression }) => {
    const every = rateToMs(expression);
    if (every === undefined) return [];
    return [clock.every(every, () => void fire(functionName).catch(onError))];
  });
  return () => {
    for (const stop of stops) stop();
  };
}
