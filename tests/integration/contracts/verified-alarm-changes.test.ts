import { DynamoDbVerifiedAlarmChanges } from '../../../core/adapters/aws/dynamodb-verified-alarm-changes';
import type { VerifiedAlarmChanges } from '../../../core/alarms/ports/alarms';
import { MemoryVerifiedAlarmChanges } from '../../fakes/memory-verified-alarm-changes';
import { storeImplementations } from '../../helpers/store-contract';

/** The stores' clock: moved by the tests, read by both implementations. */
let nowMs = Date.parse('2026-01-01T00:10:00Z');

/**
 * The VerifiedAlarmChanges port's contract, one suite for the memory fake and the DynamoDB store: one CloudWatch
 * check per alarm change, taken over once its caller's lease lapses, and the latest verified change of each alarm.
 */
describe.each(
  storeImplementations<VerifiedAlarmChanges>(
    () => new MemoryVerifiedAlarmChanges(() => nowMs),
    (table, client) => new DynamoDbVerifiedAlarmChanges(table, client, () => new Date(nowMs)),
  ),
)('VerifiedAlarmChanges contract: %s', (_name, make) => {
  let changes: VerifiedAlarmChanges;
  beforeEach(async () => {
    changes = await make();
  });

  it('one check per alarm change: the first caller claims it, the others read its outcome; the latest verified change stays the latest', async () => {
    // Prepare
    const later = { alarmName: 'web-5xx', state: 'OK' as const, time: '2026-01-01T00:05:00.000+0000' };
    const earlier = { alarmName: 'web-5xx', state: 'ALARM' as const, time: '2026-01-01T00:01:00.000+0000' };

    // Act
    const claims = await Promise.all([changes.claimCheck(later, 30_000), changes.claimCheck(later, 30_000)]);
    const beforeOutcome = await changes.checkOutcome(later);
    await changes.recordCheck(later, { current: true });
    const afterOutcome = await changes.claimCheck(later, 0);
    await changes.recordCheck(earlier, { current: true });
    const stale = { ...later, time: '2026-01-01T00:09:00.000+0000' };
    await changes.recordCheck(stale, { current: false, state: 'ALARM' });

    // Assess
    expect(claims.sort()).toEqual([false, true]);
    expect(beforeOutcome).toBeUndefined();
    expect(afterOutcome).toBe(false);
    expect(await changes.checkOutcome(later)).toEqual({ current: true });
    expect(await changes.checkOutcome(stale)).toEqual({ current: false, state: 'ALARM' });
    expect(await changes.latestVerified('web-5xx')).toEqual(later);
    expect(await changes.latestVerified('never-seen')).toBeUndefined();
  });

  it('a claim whose caller died is taken over after its lease', async () => {
    // Prepare
    const change = { alarmName: 'api-5xx', state: 'ALARM' as const, time: '2026-01-01T00:01:00.000+0000' };
    await changes.claimCheck(change, 30_000);

    // Act
    const withinLease = await changes.claimCheck(change, 30_000);
    const pastLease = await changes.claimCheck(change, -1);

    // Assess
    expect(withinLease).toBe(false);
    expect(pastLease).toBe(true);
  });

  it('the lease is measured on the store’s clock: refused while it runs, taken once it has run out', async () => {
    // Prepare
    const change = { alarmName: 'db-cpu', state: 'ALARM' as const, time: '2026-01-01T00:02:00.000+0000' };
    await changes.claimCheck(change, 30_000);

    // Act
    nowMs += 29_000;
    const within = await changes.claimCheck(change, 30_000);
    nowMs += 2_000;
    const after = await changes.claimCheck(change, 30_000);
    const again = await changes.claimCheck(change, 30_000);

    // Assess
    expect([within, after, again]).toEqual([false, true, false]);
  });

  it('a recorded outcome ends the check for good, whatever the lease', async () => {
    // Prepare
    const change = { alarmName: 'db-io', state: 'OK' as const, time: '2026-01-01T00:03:00.000+0000' };
    await changes.claimCheck(change, 30_000);
    await changes.recordCheck(change, { current: false, state: 'ALARM' });

    // Act
    nowMs += 3_600_000;
    const claimed = await changes.claimCheck(change, 30_000);

    // Assess
    expect(claimed).toBe(false);
    expect(await changes.checkOutcome(change)).toEqual({ current: false, state: 'ALARM' });
    expect(await changes.latestVerified('db-io')).toBeUndefined();
  });
});
