import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Logger } from '../../kernel/logger';
import type { EventPublisher, TransitionEvent } from '../../kernel/ports/events';
import { awsCall } from './aws-call';

export const EVENT_SOURCE = 'eksflow';
/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** Publishes to EventBridge; a failure is logged and reported, never allowed to stop the rollout it reports on. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly eventBusName: string,
    private readonly events: EventBridgeClient,
    private readonly logger: Logger,
  ) {}

  async publish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    await this.put([this.entry(detailType, detail)]);
  }

  async publishAll(events: TransitionEvent[]): Promise<Set<string>> {
    const published = new Set<string>();
    for (let i = 0; i < events.length; i += PUT_EVENTS_MAX_ENTRIES) {
      const batch = events.slice(i, i + PUT_EVENTS_MAX_ENTRIES);
      const accepted = await this.put(batch.map((e) => this.entry(e.detailType, e.detail)));
      for (const [j, event] of batch.entries()) if (accepted[j]) published.add(event.id);
    }
    return published;
  }

  /** Which entries the bus accepted, in order (none when the call failed). */
  private async put(entries: PutEventsRequestEntry[]): Promise<boolean[]> {
    try {
      const out = await awsCall('EventBridge PutEvents', () =>
        this.events.send(new PutEventsCommand({ Entries: entries })),
      );
      const results = entries.map((_, i) => !out.Entries?.[i]?.ErrorCode);
      if (out.FailedEntryCount) this.logger.warn('events not published', { failed: out.FailedEntryCount });
      return results;
    } catch (error) {
      this.logger.warn('events not published', { count: entries.length, error });
      return entries.map(() => false);
    }
  }

  private entry(detailType: string, detail: Record<string, unknown>): PutEventsRequestEntry {
    return {
      Source: EVENT_SOURCE,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
      EventBusName: this.eventBusName,
    };
  }
}
