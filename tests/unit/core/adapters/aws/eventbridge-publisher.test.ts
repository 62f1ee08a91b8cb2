import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher, PUT_EVENTS_MAX_ENTRIES } from '../../../../../core/adapters/aws/eventbridge-publisher';
import { createLogger } from '../../../../../core/kernel/logger';
import { defined } from '../../../../helpers/defined';

const eventbridge = mockClient(EventBridgeClient);
const publisher = () => new EventBridgePublisher('eksflow-bus', new EventBridgeClient({}), createLogger('silent'));
const event = (i: number) => ({
  id: `ro-1:1:${i}`,
  sequence: `ro-1#0000000001#${String(i).padStart(4, '0')}`,
  detailType: 'Rollout StepStarted',
  detail: { eventId: `ro-1:1:${i}` },
});

beforeEach(() => eventbridge.reset());

describe('EventBridgePublisher.publishAll', () => {
  it(`sends at most ${PUT_EVENTS_MAX_ENTRIES} entries per PutEvents and reports every accepted id`, async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).callsFake(async (input) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map(() => ({ EventId: 'x' })),
    }));
    const events = Array.from({ length: 23 }, (_, i) => event(i));

    // Act
    const accepted = await publisher().publishAll(events);

    // Assess
    const calls = eventbridge
      .commandCalls(PutEventsCommand)
      .map((c) => defined(c.args[0].input.Entries, 'c.args[0].input.Entries'));
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.[0]).toEqual({
      Source: 'eksflow',
      DetailType: 'Rollout StepStarted',
      Detail: JSON.stringify({ eventId: 'ro-1:1:0' }),
      EventBusName: 'eksflow-bus',
    });
    expect([...accepted]).toEqual(events.map((e) => e.id));
  });

  it('leaves out the entries EventBridge refused', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }],
    });

    // Act
    const accepted = await publisher().publishAll([event(0), event(1)]);

    // Assess
    expect([...accepted]).toEqual(['ro-1:1:0']);
  });

  it('a failed call (e.g. a bus that does not exist) accepts nothing and does not throw', async () => {
    // Prepare
    eventbridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('Event bus nope does not exist.'), { name: 'ResourceNotFoundException' }));

    // Act
    const accepted = await publisher().publishAll([event(0)]);

    // Assess
    expect(accepted.size).toBe(0);
  });
});
