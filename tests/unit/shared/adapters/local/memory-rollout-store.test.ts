import { MemoryRolloutStore } from '../../../../../shared/adapters/local/memory-rollout-store';
import type { Rollout } from '../../../../../shared/domain/rollout/types';
import { ValidationError } from '../../../../../shared/errors';

function rollout(n: number, overrides: Partial<Rollout> = {}): Rollout {
  return {
    id: `ro-${n}`,
    cluster: 'sandbox',
    namespace: 'shop',
    deployment: `web-${n % 2}`,
    status: 'Aborted',
    history: [],
    alarms: [],
    createdAt: `2026-03-01T12:00:${String(n).padStart(2, '0')}.000Z`,
    version: 0,
    ...overrides,
  } as unknown as Rollout;
}

describe('MemoryRolloutStore.list (mirrors the DynamoDB index)', () => {
  async function storeWith(count: number) {
    const store = new MemoryRolloutStore();
    for (let n = 0; n < count; n++) {
      await store.create(rollout(n, { status: 'Progressing' }));
      await store.save(rollout(n)); // Aborted: frees the Deployment for the next one
    }
    return store;
  }

  it('pages through every match once, in index order, with nextToken only while more remain', async () => {
    // Prepare
    const store = await storeWith(5);

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
    const store = await storeWith(5);

    // Act
    const page = await store.list({ cluster: 'sandbox', namespace: 'shop', deployment: 'web-0', limit: 10 });

    // Assess
    expect(page.rollouts.map((r) => r.id)).toEqual(['ro-4', 'ro-2', 'ro-0']);
    expect(page.next).toBeUndefined();
  });

  it.each(['not a position', 'other/web-0#t#ro-1'])(
    'a start position outside the list (%s) is a ValidationError naming nextToken',
    async (token) => {
      // Prepare
      const store = await storeWith(1);

      // Act
      const error = await store
        .list({ cluster: 'sandbox', namespace: 'shop', limit: 2, after: token })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details[0].field).toBe('nextToken');
    },
  );
});
