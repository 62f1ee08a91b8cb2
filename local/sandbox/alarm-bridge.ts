import {
  type CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';

/** Metric and composite alarms both change state; the fields we use are common to both. */
type Alarm = MetricAlarm | CompositeAlarm;

import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { changesAfter, MAX_CHANGES_WAIT_MS } from './emulator-changes';

export type EventSink = (event: Record<string, unknown>) => Promise<unknown>;

/**
 * CloudWatch → EventBridge, as AWS does it: the emulator never emits alarm events, so this watches every alarm's
 * state and, on each change, delivers a "CloudWatch Alarm State Change" event in the real event's shape. It reads
 * the alarms (DescribeAlarms) after each CloudWatch write the emulator's change feed counts, when given
 * `emulatorEndpoint`; else every `intervalMs`.
 */
export class AlarmBridge {
  private readonly known = new Map<string, { value: string; updated?: string; reason?: string }>();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  /** The feed's count when the alarms were last read. */
  private seen = 0;

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly deliver: EventSink,
    private readonly options: {
      region: string;
      account?: string;
      /** How often to read the alarms without a change feed, and after a pass that failed. Default 200 ms. */
      intervalMs?: number;
      /**
       * The emulator (tools/moto/changes.py), whose `cloudwatch` feed ends each wait as soon as an alarm may have
       * changed: events go out within a round trip, and an idle sandbox reads no alarm (polling did, five times a
       * second, every alarm there was).
       */
      emulatorEndpoint?: string;
      onError?: (error: unknown) => void;
      /**
       * How far the sandbox's clock stands ahead of real time (SandboxClock.offset). The emulator stamps its
       * alarms in real time, and the functions compare those stamps with their own clock's (a rollout started
       * after an ALARM ignores it), so every stamp is moved into the clock's time. None: real time.
       */
      clockOffsetMs?: () => number;
    } = { region: 'us-east-1' },
  ) {}

  /** Records the current states without emitting (alarms that exist before the bridge starts). */
  async start(): Promise<void> {
    // The count before the read: a change made meanwhile ends the first wait at once.
    this.seen = (await this.changesAfter(0, 0)) ?? 0;
    for (const alarm of await this.describeAll()) if (alarm.AlarmName) this.known.set(alarm.AlarmName, snapshot(alarm));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /**
   * One pass: emits an event per alarm whose state changed since the last pass. Exposed for tests.
   * A change is recorded as known only once its event was delivered: a delivery that fails is tried
   * again at the next pass (as EventBridge retries), so the sandbox loses no alarm either. One
   * failing alarm does not hold back the others; the pass then throws with the first error.
   */
  async poll(): Promise<number> {
    let emitted = 0;
    let failure: unknown;
    for (const alarm of await this.describeAll()) {
      const name = alarm.AlarmName;
      if (!name) continue; // DescribeAlarms names every alarm it returns
      const previous = this.known.get(name);
      const current = snapshot(alarm);
      // A new alarm starts in INSUFFICIENT_DATA, as in CloudWatch.
      if ((previous?.value ?? 'INSUFFICIENT_DATA') === current.value) {
        this.known.set(name, current);
        continue;
      }
      try {
        await this.deliver(this.toEvent(alarm, previous ?? { value: 'INSUFFICIENT_DATA' }));
      } catch (error) {
        failure ??= error;
        continue;
      }
      this.known.set(name, current);
      emitted++;
    }
    if (failure) throw failure;
    return emitted;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    let failed = false;
    while (!signal.aborted) {
      // A failed pass is tried again after intervalMs whether or not anything changed since.
      const seq = failed ? undefined : await this.changesAfter(this.seen, MAX_CHANGES_WAIT_MS);
      if (seq === undefined) await delay(this.options.intervalMs ?? 200, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      if (seq !== undefined) this.seen = seq;
      failed = await this.poll().then(
        () => false,
        (error) => {
          this.options.onError?.(error);
          return true;
        },
      );
    }
  }

  /** The feed's count above `after` (undefined without a feed, or when it does not answer, or on stop). */
  private async changesAfter(after: number, waitMs: number): Promise<number | undefined> {
    const endpoint = this.options.emulatorEndpoint;
    return endpoint ? changesAfter(endpoint, 'cloudwatch', after, waitMs, this.stopping.signal) : undefined;
  }

  private async describeAll(): Promise<Alarm[]> {
    const alarms: Alarm[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.cloudwatch.send(
        new DescribeAlarmsCommand({ NextToken, MaxRecords: 100, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
      );
      alarms.push(...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return alarms;
  }

  private toEvent(
    alarm: Alarm,
    previous: { value: string; updated?: string; reason?: string },
  ): Record<string, unknown> {
    const account = this.options.account ?? '123456789012';
    const offsetMs = this.options.clockOffsetMs?.() ?? 0;
    const onClock = (at: Date | string) => new Date(new Date(at).getTime() + offsetMs).toISOString();
    const now = onClock(new Date());
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account,
      time: now,
      region: this.options.region,
      resources: [alarm.AlarmArn ?? `arn:aws:cloudwatch:${this.options.region}:${account}:alarm:${alarm.AlarmName}`],
      detail: {
        alarmName: alarm.AlarmName,
        state: {
          value: alarm.StateValue,
          reason: alarm.StateReason ?? '',
          timestamp: alarm.StateUpdatedTimestamp ? onClock(alarm.StateUpdatedTimestamp) : now,
        },
        previousState: {
          value: previous.value,
          reason: previous.reason ?? '',
          timestamp: previous.updated ? onClock(previous.updated) : now,
        },
        configuration: {
          description: alarm.AlarmDescription ?? '',
          ...('MetricName' in alarm && alarm.MetricName
            ? {
                metrics: [
                  {
                    id: 'm1',
                    metricStat: {
                      metric: { namespace: alarm.Namespace, name: alarm.MetricName, dimensions: {} },
                      period: alarm.Period,
                      stat: alarm.Statistic,
                    },
                  },
                ],
              }
            : 'AlarmRule' in alarm
              ? { alarmRule: alarm.AlarmRule }
              : {}),
        },
      },
    };
  }
}

function snapshot(alarm: Alarm) {
  return {
    value: alarm.StateValue ?? 'INSUFFICIENT_DATA',
    updated: alarm.StateUpdatedTimestamp?.toISOString(),
    reason: alarm.StateReason,
  };
}
