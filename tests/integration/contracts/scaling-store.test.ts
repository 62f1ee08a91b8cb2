import { DynamoDbOperationStore } from '../../../core/adapters/aws/dynamodb-operation-store';
import { DynamoDbScalingStore } from '../../../core/adapters/aws/dynamodb-scaling-store';
import { ConflictError } from '../../../core/kernel/errors';
import { finished, newOperation } from '../../../core/operations/domain/operation';
import type { OperationStore } from '../../../core/operations/ports/operation-store';
import {
  NODEGROUP_LOCKS,
  nodegroupLock,
  type ScaleTrigger,
  type ScalingSchedule,
} from '../../../core/scaling/domain/records';
import type { ScalingStore } from '../../../core/scaling/ports/scaling-store';
import { MemoryOperationStore } from '../../fakes/memory-operation-store';
import { MemoryScalingStore } from '../../fakes/memory-scaling-store';
import { defined } from '../../helpers/defined';
import { scalingPolicy } from '../../helpers/scaling-fakes';
import { storeImplementations } from '../../helpers/store-contract';

/**
 * The ScalingStore port's contract, one suite for the memory fake and the DynamoDB store, so the two cannot drift:
 * the triggers waiting for the change that holds a node group's lock (an operation lock), recent operations, schedules and policies, and the compare-and-set
 * claims that make one firing of five duplicate deliveries win.
 */
describe.each(
  storeImplementations<{ store: ScalingStore; operations: OperationStore }>(
    () => {
      const operations = new MemoryOperationStore();
      return { store: new MemoryScalingStore(operations), operations };
    },
    (table, client) => ({
      store: new DynamoDbScalingStore(table, client),
      operations: new DynamoDbOperationStore(table, client),
    }),
  ),
)('ScalingStore contract: %s', (_name, make) => {
  let store: ScalingStore;
  let operations: OperationStore;
  beforeEach(async () => {
    ({ store, operations } = await make());
  });
  const t0 = new Date('2026-01-01T00:00:00.000Z');
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000).toISOString();
  const api: ScaleTrigger = { kind: 'api', principal: 'alice' };
  const fromSchedule: ScaleTrigger = { kind: 'schedule', schedule: 'night', occurrence: at(5) };
  const schedule = (name: string, overrides: Partial<ScalingSchedule> = {}): ScalingSchedule => ({
    cluster: 'c1',
    nodegroup: 'ng1',
    name,
    schedule: 'cron(0 22 * * ? *)',
    timezone: 'Europe/Paris',
    desiredSize: 1,
    createdAt: t0.toISOString(),
    createdBy: 'alice',
    ...overrides,
  });
  const policy = scalingPolicy;
  /** A change of c1/<nodegroup>, holding the group's lock (an operation lock, taken with the record). */
  const startChange = (id: string, nodegroup = 'ng1') =>
    operations.create({ ...newOperation(id, 'ScaleNodegroup', 'c1', t0), lock: nodegroupLock('c1', nodegroup) });
  const endChange = (id: string) => operations.update(id, (o) => finished(o, {}, t0));

  describe('triggers waiting for the change that holds the node-group lock', () => {
    it('are collected in order while the lock is held, and taken once by the change that ended', async () => {
      // Prepare
      await startChange('op-1');

      // Act
      const added = [await store.addWaiting('c1', 'ng1', api), await store.addWaiting('c1', 'ng1', fromSchedule)];
      const elsewhere = await store.takeWaiting('c1', 'ng2');
      await endChange('op-1');
      const taken = await store.takeWaiting('c1', 'ng1');
      const repeated = await store.takeWaiting('c1', 'ng1');

      // Assess
      expect(added).toEqual([true, true]);
      expect(elsewhere).toEqual([]);
      expect(taken).toEqual([api, fromSchedule]);
      expect(repeated).toEqual([]);
    });

    it('are refused once no change holds the lock (the caller fires them now instead)', async () => {
      // Prepare
      await startChange('op-1');
      await endChange('op-1');

      // Act
      const afterEnd = await store.addWaiting('c1', 'ng1', api);
      const neverHeld = await store.addWaiting('c1', 'ng9', api);

      // Assess
      expect([afterEnd, neverHeld]).toEqual([false, false]);
      expect(await store.takeWaiting('c1', 'ng1')).toEqual([]);
    });

    it('wait for the holder: a second change is refused the lock, and the triggers stay until the holder ends', async () => {
      // Prepare
      await startChange('op-1');
      await store.addWaiting('c1', 'ng1', api);

      // Act
      const second = await startChange('op-2').catch((error: unknown) => error);
      const holder = await operations.lockHolder(nodegroupLock('c1', 'ng1'));

      // Assess
      expect(second).toMatchObject({ status: 409, message: expect.stringContaining('op-1') });
      expect(holder).toBe('op-1');
      await endChange('op-1');
      expect(await store.takeWaiting('c1', 'ng1')).toEqual([api]);
    });

    it('the held node-group locks are listed with their holders, and none once the change ends', async () => {
      // Prepare
      await startChange('op-1', 'ng1');
      await startChange('op-2', 'ng2');
      await store.addWaiting('c1', 'ng2', api);
      await startChange('op-3', 'ng3');
      await endChange('op-3');

      // Act
      const held = await operations.heldLocks(NODEGROUP_LOCKS);

      // Assess
      expect(sortBy(held, (l) => l.operationId)).toEqual([
        { key: 'nodegroup:c1/ng1', operationId: 'op-1', since: t0.toISOString() },
        { key: 'nodegroup:c1/ng2', operationId: 'op-2', since: t0.toISOString() },
      ]);
    });
  });

  it('answers a node group’s recent operations newest first, at most `limit`, and only its own', async () => {
    // Prepare
    await store.addRecentOperation('c1', 'ng1', 'op-b', at(2));
    await store.addRecentOperation('c1', 'ng1', 'op-a', at(1));
    await store.addRecentOperation('c1', 'ng1', 'op-c', at(3));
    await store.addRecentOperation('c1', 'ng2', 'op-x', at(4));

    // Act / Assess
    expect(await store.recentOperations('c1', 'ng1', 2)).toEqual(['op-c', 'op-b']);
    expect(await store.recentOperations('c1', 'ng1', 10)).toEqual(['op-c', 'op-b', 'op-a']);
    expect(await store.recentOperations('c1', 'ng9', 10)).toEqual([]);
  });

  describe('schedules', () => {
    it('are stored as given, listed per node group and in all, and deleted once', async () => {
      // Prepare
      const night = schedule('night', { startDate: at(0) });
      const morning = schedule('morning', { desiredSize: undefined, minSize: 2, maxSize: 4 });
      const other = schedule('night', { nodegroup: 'ng2' });

      // Act
      for (const s of [night, morning, other]) await store.createSchedule(s);
      const listed = await store.listSchedules('c1', 'ng1');
      const all = await store.allSchedules();
      const deleted = [
        await store.deleteSchedule('c1', 'ng1', 'night'),
        await store.deleteSchedule('c1', 'ng1', 'night'),
      ];

      // Assess
      expect(sortBy(listed, (s) => s.name)).toEqual([morning, night]);
      expect(sortBy(all, (s) => `${s.nodegroup}/${s.name}`)).toEqual([morning, night, other]);
      expect(deleted).toEqual([true, false]);
      expect(await store.getSchedule('c1', 'ng1', 'night')).toBeUndefined();
      expect(await store.getSchedule('c1', 'ng2', 'night')).toEqual(other);
    });

    it('refuses a name taken on the node group with a 409 naming the field', async () => {
      // Prepare
      await store.createSchedule(schedule('night'));

      // Act
      const error = await store.createSchedule(schedule('night', { desiredSize: 5 })).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ status: 409, details: [{ field: 'name', reason: 'already exists' }] });
      expect((await store.getSchedule('c1', 'ng1', 'night'))?.desiredSize).toBe(1);
    });

    it('a firing is claimed once per occurrence, never for an older one, and not for a schedule that is gone', async () => {
      // Prepare
      const s = schedule('night');
      await store.createSchedule(s);

      // Act
      const first = await store.claimScheduleFiring(s, at(10));
      const repeated = await store.claimScheduleFiring(s, at(10));
      const late = await store.claimScheduleFiring(s, at(5));
      const next = await store.claimScheduleFiring(s, at(20));
      const gone = await store.claimScheduleFiring(schedule('absent'), at(10));

      // Assess
      expect([first, repeated, late, next, gone]).toEqual([true, false, false, true, false]);
      expect((await store.getSchedule('c1', 'ng1', 'night'))?.lastOccurrence).toBe(at(20));
      expect(await store.getSchedule('c1', 'ng1', 'absent')).toBeUndefined();
    });

    it('of duplicate deliveries of one occurrence, exactly one claims it', async () => {
      // Prepare
      const s = schedule('night');
      await store.createSchedule(s);

      // Act
      const claims = await Promise.all(Array.from({ length: 5 }, () => store.claimScheduleFiring(s, at(10))));

      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
    });

    it('a released claim puts back the previous occurrence (so a retry claims again), unless a later one replaced it', async () => {
      // Prepare
      const s = schedule('night');
      await store.createSchedule(s);
      await store.claimScheduleFiring(s, at(10));
      const fired = { ...s, lastOccurrence: at(10) };
      await store.claimScheduleFiring(fired, at(20));

      // Act
      await store.releaseScheduleFiring(fired, at(20));
      const afterRelease = (await store.getSchedule('c1', 'ng1', 'night'))?.lastOccurrence;
      const retried = await store.claimScheduleFiring(fired, at(20));
      await store.claimScheduleFiring(fired, at(30));
      await store.releaseScheduleFiring(fired, at(20)); // stale: at(30) replaced it
      const afterStale = (await store.getSchedule('c1', 'ng1', 'night'))?.lastOccurrence;

      // Assess
      expect(afterRelease).toBe(at(10));
      expect(retried).toBe(true);
      expect(afterStale).toBe(at(30));
    });

    it('releasing the first ever claim removes the occurrence again', async () => {
      // Prepare
      const s = schedule('night');
      await store.createSchedule(s);
      await store.claimScheduleFiring(s, at(10));

      // Act
      await store.releaseScheduleFiring(s, at(10));

      // Assess
      expect((await store.getSchedule('c1', 'ng1', 'night'))?.lastOccurrence).toBeUndefined();
      expect(await store.claimScheduleFiring(s, at(10))).toBe(true);
    });
  });

  describe('policies', () => {
    it('are stored as given, listed per node group, per alarm and in all, and deleted once', async () => {
      // Prepare
      const high = policy('high');
      const low = policy('low', { state: 'OK', adjustment: { type: 'change', value: -1 } });
      const sharedAlarm = policy('other', { nodegroup: 'ng2', alarm: 'alarm-high' });

      // Act
      for (const p of [high, low, sharedAlarm]) await store.createPolicy(p);
      const listed = await store.listPolicies('c1', 'ng1');
      const forAlarm = await store.policiesForAlarm('alarm-high');
      const all = await store.allPolicies();
      const deleted = [await store.deletePolicy('c1', 'ng1', 'low'), await store.deletePolicy('c1', 'ng1', 'low')];

      // Assess
      expect(sortBy(listed, (p) => p.name)).toEqual([high, low]);
      expect(sortBy(forAlarm, (p) => p.nodegroup)).toEqual([high, sharedAlarm]);
      expect(sortBy(all, (p) => `${p.nodegroup}/${p.name}`)).toEqual([high, low, sharedAlarm]);
      expect(deleted).toEqual([true, false]);
      expect(await store.listPolicies('c1', 'ng1')).toEqual([high]);
      expect(await store.policiesForAlarm('alarm-none')).toEqual([]);
    });

    it('refuses a name taken on the node group with a 409 naming the field', async () => {
      // Prepare
      await store.createPolicy(policy('high'));

      // Act
      const error = await store.createPolicy(policy('high', { cooldownSeconds: 5 })).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ status: 409, details: [{ field: 'name', reason: 'already exists' }] });
      expect((await store.listPolicies('c1', 'ng1'))[0]?.cooldownSeconds).toBe(60);
    });

    it('a firing is claimed by compare-and-set on lastFiredAt: a claim from a stale read loses', async () => {
      // Prepare
      const p = policy('high');
      await store.createPolicy(p);

      // Act
      const first = await store.claimPolicyFiring(p, at(1));
      const stale = await store.claimPolicyFiring(p, at(2)); // read before the first claim: never fired
      const fresh = await store.claimPolicyFiring({ ...p, lastFiredAt: at(1) }, at(3));
      const gone = await store.claimPolicyFiring(policy('absent'), at(1));

      // Assess
      expect([first, stale, fresh, gone]).toEqual([true, false, true, false]);
      expect((await store.listPolicies('c1', 'ng1'))[0]?.lastFiredAt).toBe(at(3));
    });

    it('of five duplicate deliveries read at the same moment, exactly one claims the firing', async () => {
      // Prepare
      const p = policy('high', { lastFiredAt: at(0) });
      await store.createPolicy(p);

      // Act
      const claims = await Promise.all([1, 2, 3, 4, 5].map((n) => store.claimPolicyFiring(p, at(n))));

      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = at(claims.indexOf(true) + 1);
      expect((await store.listPolicies('c1', 'ng1'))[0]?.lastFiredAt).toBe(winner);
    });

    it('a released claim gives the cooldown back, unless a later claim replaced it', async () => {
      // Prepare
      const p = policy('high', { lastFiredAt: at(0) });
      await store.createPolicy(p);
      await store.claimPolicyFiring(p, at(1));

      // Act
      await store.releasePolicyFiring(p, at(1));
      const afterRelease = defined(
        (await store.listPolicies('c1', 'ng1'))[0],
        "(await store.listPolicies('c1', 'ng1'))[0]",
      ).lastFiredAt;
      await store.claimPolicyFiring(p, at(2));
      await store.claimPolicyFiring({ ...p, lastFiredAt: at(2) }, at(3));
      await store.releasePolicyFiring(p, at(2)); // stale: at(3) replaced it
      const afterStale = defined(
        (await store.listPolicies('c1', 'ng1'))[0],
        "(await store.listPolicies('c1', 'ng1'))[0]",
      ).lastFiredAt;

      // Assess
      expect(afterRelease).toBe(at(0));
      expect(afterStale).toBe(at(3));
    });

    it('releasing the first ever claim leaves the policy never fired', async () => {
      // Prepare
      const p = policy('high');
      await store.createPolicy(p);
      await store.claimPolicyFiring(p, at(1));

      // Act
      await store.releasePolicyFiring(p, at(1));

      // Assess
      expect((await store.listPolicies('c1', 'ng1'))[0]).toEqual(p);
      expect(await store.claimPolicyFiring(p, at(2))).toBe(true);
    });
  });
});

function sortBy<T>(values: T[], key: (value: T) => string): T[] {
  return [...values].sort((a, b) => key(a).localeCompare(key(b)));
}
