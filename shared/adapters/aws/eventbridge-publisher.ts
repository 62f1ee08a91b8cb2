import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Logger } from '../../logger';
import type { EventPublisher } from '../../ports/events';
import { awsCall } from './aws-call';

export const EVENT_SOURCE = 'eksflow';

/** Publishes to EventBridge; a failure is logged, never allowed to stop the rollout it reports on. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly eventBusName: string,
    private readonly events: EventBridgeClient,
    private readonly logger: Logger,
  ) {}

  async publish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    try {
      const out = await awsCall('EventBridge PutEvents', () =>
        this.events.send(
          new PutEventsCommand({
            Entries: [
              {
                Source: EVENT_SOURCE,
                DetailType: detailType,
                Detail: JSON.stringify(detail),
                EventBusName: this.eventBusName,
              },
            ],
          }),
        ),
      );
      if (out.FailedEntryCount) this.logger.warn('event not published', { detailType, entries: out.Entries });
    } catch (error) {
      this.logger.warn('event not published', { detailType, error });
    }
  }
}
