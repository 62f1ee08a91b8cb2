import { DynamoDbRolloutStore } from '../../../core/adapters/aws/dynamodb-rollout-store';
import { ConflictError, ValidationError, VersionConflictError } from '../../../core/kernel/errors';
import { transitionEvents } from '../../../core/rollouts/domain/rollout-events';
import type { Rollout } from '../../../core/rollouts/domain/types';
import type { RolloutStore } from '../../../core/rollouts/ports/rollout-store';
import { MemoryRolloutStore } from '../../fakes/memory-rollout-store';
import { defined } from '../../helpers/defined';
import { storeImplementations } from '../../helpers/store-contract';

/** A rollout record with only what the store reads: its keys, status, alarms, history and version. */
function rollout(n: number, overrides: Partial<Rollout> = {}): Rollout {
  const createdAt = `2026-03-01T12:00:${String(n).padStart(2, '0')}.000Z`;
  return {
    id: `ro-${n}`,
    cluster: 'sandbox',
    namespace: 'shop',
    deployment: `web-${n % 2}`,
    status: 'Aborted',
    history: [],
    alarms: [],
    createdAt,
    updatedAt: createdAt,
    version: 0,
    ...overrides,
  } as unknown as Rollout;
}

/**
 * The RolloutStore port's contract, one suite for the memory fake and the DynamoDB store: the one active rollout
 * per Deployment, versioned saves, the alarm index, list pages in the index's order, and the outbox.
 */
describe.each(
  storeImplementations<RolloutStore>(
    () => new MemoryRolloutStore(),
    (table, client) => new DynamoDbRolloutStore(table, client),
  ),
)('RolloutStore contract: %s', (_name, make) => {
  let store: RolloutStore;
  beforeEach(async () => {
    store = await make();
  });

  describe('list (the DynamoDB index order)', () => {
    async function storeWith(count: number) {
      for (let n = 0; n < count; n++) {
        await store.create(rollout(n, { status: 'Progressing' }));
        await store.save(rollout(n)); // Aborted: frees the Deployment for the next one
      }
      return store;
    }

    it('pages through every match once, in index order, with nextToken only while more remain', async () => {
      // Prepare
      await storeWith(5);

      // Act
      const first = await store.list({ cluster: 'sandbox', namespace: 'shop', limit: 2 });
      const second = await store.list({ cluster: 'sandbox', namespace: 'shop', limit: 2, after: first.next });
      const third = await store.list({ cluster: 'sandbox', namespace: 'shop', limit: 2, after: second.next });

      // Assess: web-1 before web-0, newest first within each
      expect([...first.rollouts, ...second.rollouts, ...third.rollouts].map((r) => r.id)).toEqual([
        'ro-3',
        'ro-1',
        'ro-4',
        'ro-2',
        'ro-0',
      ]);
      expect(first.next).toEqual(expect.any(String));
      expect(third.next).toBeUndefined();
    });

    it('filters by Deployment', async () => {
      // Prepare
      await storeWith(5);

      // Act
      const page = await store.list({ cluster: 'sandbox', namespace: 'shop', deployment: 'web-0', limit: 10 });

      // Assess
      expect(page.rollouts.map((r) => r.id)).toEqual(['ro-4', 'ro-2', 'ro-0']);
      expect(page.next).toBeUndefined();
    });

    it('leaves hidden namespaces out and still fills the page', async () => {
      // Prepare
      await storeWith(3);
      // Sorts before shop/ in the index (descending): it would take the page's first places if not left out.
      for (const n of [7, 8]) await store.create(rollout(n, { namespace: 'tools-system' }));

      // Act
      const page = await store.list({ cluster: 'sandbox', limit: 3, hiddenNamespaces: ['tools-system'] });

      // Assess
      expect(page.rollouts.map((r) => r.id)).toEqual(['ro-1', 'ro-2', 'ro-0']);
      expect(page.next).toBeUndefined();
    });

    it.each(['not a position', 'other/web-0#t#ro-1'])(
      'a start position outside the list (%s) is a ValidationError naming nextToken',
      async (token) => {
        // Prepare
        await storeWith(1);

        // Act
        const error = await store
          .list({ cluster: 'sandbox', namespace: 'shop', limit: 2, after: token })
          .catch((e: unknown) => e);

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).details[0]?.field).toBe('nextToken');
      },
    );
  });

  it('holds one active rollout per Deployment: a second is a 409 naming the field and the active one', async () => {
    // Prepare
    await store.create(rollout(0, { status: 'Progressing' }));

    // Act
    const error = await store.create(rollout(2, { status: 'Progressing' })).catch((e: unknown) => e);
    await store.save(rollout(0));
    await store.create(rollout(4, { status: 'Progressing' }));

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      status: 409,
      details: [{ field: 'deployment', reason: 'rollout ro-0 is active on this Deployment' }],
    });
    expect(await store.get('ro-2')).toBeUndefined();
    expect((await store.listActive()).map((r) => r.id)).toEqual(['ro-4']);
  });

  it('saves with version + 1, and refuses a save from a stale read with VersionConflictError', async () => {
    // Prepare
    const created = rollout(0, { status: 'Progressing' });
    await store.create(created);

    // Act
    const saved = await store.save({ ...created, status: 'Paused' } as Rollout);
    const stale = await store.save({ ...created, status: 'Aborted' } as Rollout).catch((e: unknown) => e);

    // Assess
    expect(saved.version).toBe(1);
    expect(stale).toBeInstanceOf(VersionConflictError);
    expect(await store.get('ro-0')).toMatchObject({ status: 'Paused', version: 1 });
  });

  it('finds the active rollouts watching an alarm, and forgets them once they finish', async () => {
    // Prepare
    await store.create(rollout(0, { status: 'Progressing', alarms: ['web-5xx', 'web-latency'] }));
    await store.create(rollout(1, { status: 'Progressing', alarms: ['web-5xx'] }));

    // Act
    const both = await store.activeForAlarm('web-5xx');
    await store.save(rollout(1, { alarms: ['web-5xx'] }));
    const one = await store.activeForAlarm('web-5xx');

    // Assess
    expect(both.map((r) => r.id).sort()).toEqual(['ro-0', 'ro-1']);
    expect(one.map((r) => r.id)).toEqual(['ro-0']);
    expect(await store.activeForAlarm('other')).toEqual([]);
  });

  it('keeps the transition events of each write in its outbox, in order, until they are deleted', async () => {
    // Prepare
    const at = '2026-03-01T12:00:00.000Z';
    const started = rollout(0, {
      status: 'Progressing',
      history: [{ at, type: 'Started', message: 'started' }],
    } as Partial<Rollout>);
    const aborted = rollout(0, {
      history: [...started.history, { at, type: 'Aborted', message: 'aborted' }],
    } as Partial<Rollout>);
    const events = [...transitionEvents(undefined, started, 0), ...transitionEvents(started, aborted, 1)];

    // Act
    await store.create(started);
    await store.save(aborted, transitionEvents(started, aborted, 1));
    const pending = await store.pendingEvents(10);
    await store.deleteEvents([defined(pending[0], 'pending[0]').key]);
    const left = await store.pendingEvents(10);

    // Assess
    expect(pending.flatMap((entry) => entry.events)).toEqual(events);
    expect(left.flatMap((entry) => entry.events)).toEqual(events.slice(1));
  });
});
