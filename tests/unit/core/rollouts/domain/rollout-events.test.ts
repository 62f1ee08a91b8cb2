import fc from 'fast-check';
import { addedHistory, transitionEvents } from '../../../../../core/rollouts/domain/rollout-events';
import type { HistoryEvent, Rollout } from '../../../../../core/rollouts/domain/types';

const entry = (n: number, type: HistoryEvent['type'] = 'StepStarted'): HistoryEvent => ({
  at: `2026-03-01T12:00:${String(n % 60).padStart(2, '0')}.000Z`,
  type,
  message: `entry ${n}`,
});

describe('addedHistory', () => {
  it.each<[string, HistoryEvent[], HistoryEvent[], HistoryEvent[]]>([
    ['nothing before', [], [entry(1)], [entry(1)]],
    ['one appended', [entry(1)], [entry(1), entry(2)], [entry(2)]],
    ['nothing appended', [entry(1), entry(2)], [entry(1), entry(2)], []],
    [
      'two appended, oldest dropped by the cap',
      [entry(1), entry(2), entry(3)],
      [entry(3), entry(4), entry(5)],
      [entry(4), entry(5)],
    ],
    ['an identical entry appended', [entry(1), entry(2)], [entry(1), entry(2), entry(2)], [entry(2)]],
  ])('%s', (_case, before, after, added) => {
    // Act / Assess
    expect(addedHistory(before, after)).toEqual(added);
  });

  it('finds exactly the appended entries for any history and cap (property)', () => {
    fc.assert(
      fc.property(fc.nat(250), fc.nat(5), fc.integer({ min: 1, max: 200 }), (existing, appended, cap) => {
        // Prepare: distinct entries, history capped to the last `cap` like withHistory does
        const all = Array.from({ length: existing + appended }, (_, i) => entry(i));
        const before = all.slice(0, existing).slice(-cap);
        const after = all.slice(-cap);
        // Act
        const added = addedHistory(before, after);
        // Assess
        expect(added).toEqual(all.slice(existing).slice(-cap));
      }),
    );
  });
});

describe('transitionEvents', () => {
  it('one event per added entry, with a stable id <rolloutId>:<version>:<i> and a sortable sequence', () => {
    // Prepare
    const after = {
      id: 'ro-1',
      cluster: 'sandbox',
      namespace: 'shop',
      deployment: 'web',
      status: 'Paused',
      history: [entry(1, 'Started'), entry(2, 'StepCompleted'), entry(3, 'Paused')],
    } as Rollout;

    // Act
    const events = transitionEvents({ history: [entry(1, 'Started')] }, after, 12);

    // Assess
    expect(events.map((e) => [e.id, e.sequence, e.detailType])).toEqual([
      ['ro-1:12:0', 'ro-1#0000000012#0000', 'Rollout StepCompleted'],
      ['ro-1:12:1', 'ro-1#0000000012#0001', 'Rollout Paused'],
    ]);
    expect(events[1]?.detail).toEqual({
      eventId: 'ro-1:12:1',
      rolloutId: 'ro-1',
      cluster: 'sandbox',
      namespace: 'shop',
      deployment: 'web',
      status: 'Paused',
      version: 12,
      ...entry(3, 'Paused'),
    });
  });
});
