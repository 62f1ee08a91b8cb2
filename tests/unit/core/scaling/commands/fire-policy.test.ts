import {
  firePoliciesForAlarm,
  sweepScalingPolicies,
} from '../../../../../core/scaling/commands/scaling-policies-on-alarm';
import { nodegroupLock, type ScalingPolicy } from '../../../../../core/scaling/domain/records';
import { completeScaling } from '../../../../../core/scaling/steps/scale-steps';
import { defined } from '../../../../helpers/defined';
import { scalingWorld } from '../../../../helpers/scaling-fakes';

function world() {
  const w = scalingWorld('2027-01-01T00:00:00Z');
  w.nodegroups.add('c1', 'ng', { minSize: 1, maxSize: 6, desiredSize: 2 });
  w.alarmStates.cpu = 'ALARM';
  const policy: ScalingPolicy = {
    cluster: 'c1',
    nodegroup: 'ng',
    name: 'up',
    alarm: 'cpu',
    state: 'ALARM',
    adjustment: { type: 'change', value: 2 },
    cooldownSeconds: 300,
    createdAt: '2026-12-31T00:00:00Z',
    createdBy: 'test',
  };
  return { ...w, policy };
}

const change = (time: string, state: 'ALARM' | 'OK' = 'ALARM') => ({ alarmName: 'cpu', state, time });

describe('alarm policies', () => {
  it('an ALARM fires the policy once; duplicates within the cooldown do nothing', async () => {
    // Prepare
    const w = world();
    await w.deps.scaling.createPolicy(w.policy);

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => firePoliciesForAlarm(w.deps, change('2027-01-01T00:00:00Z'))),
    );

    // Assess
    expect(outcomes.flatMap((o) => o.started)).toHaveLength(1);
    expect(w.workflows.started).toHaveLength(1);
    expect(w.nodegroups.updates).toHaveLength(0); // the workflow does the update
    const op = await w.deps.operations.get(defined(w.workflows.started[0], 'w.workflows.started[0]').executionName);
    expect(op?.scale?.to.desiredSize).toBe(4);
  });

  it('a late event (the alarm entered ALARM before the policy last fired) does nothing, even past the cooldown', async () => {
    // Prepare
    const w = world();
    await w.deps.scaling.createPolicy({ ...w.policy, lastFiredAt: '2027-01-01T00:00:00.000Z' });
    w.clock.advance(600_000);

    // Act
    const outcome = await firePoliciesForAlarm(w.deps, change('2026-12-31T23:59:00Z'));

    // Assess
    expect(outcome.started).toEqual([]);
    expect(outcome.skipped[0]?.reason).toMatch(/late event/);
  });

  it('an event for a state the alarm has left does nothing', async () => {
    // Prepare
    const w = world();
    await w.deps.scaling.createPolicy(w.policy);
    w.alarmStates.cpu = 'OK';

    // Act
    const outcome = await firePoliciesForAlarm(w.deps, change('2027-01-01T00:00:00Z'));

    // Assess
    expect(outcome.started).toEqual([]);
    expect(outcome.skipped[0]?.reason).toBe('alarm is OK now');
  });

  it('the sweep fires again past the cooldown while the alarm stays in ALARM, and stops at max', async () => {
    // Prepare
    const w = world();
    await w.deps.scaling.createPolicy(w.policy);
    await firePoliciesForAlarm(w.deps, change('2027-01-01T00:00:00Z'));
    const first = defined(w.workflows.started[0], 'w.workflows.started[0]').input as {
      operationId: string;
      cluster: string;
      nodegroup: string;
    };
    defined(w.nodegroups.groups.get('c1/ng'), "w.nodegroups.groups.get('c1/ng')").sizes.desiredSize = 4;
    await completeScaling(w.deps, { ...first, waitSeconds: 1 });

    // Act
    const inCooldown = await sweepScalingPolicies(w.deps);
    w.clock.advance(300_000);
    const pastCooldown = await sweepScalingPolicies(w.deps);
    const second = defined(w.workflows.started[1], 'w.workflows.started[1]').input as {
      operationId: string;
      cluster: string;
      nodegroup: string;
    };
    defined(w.nodegroups.groups.get('c1/ng'), "w.nodegroups.groups.get('c1/ng')").sizes.desiredSize = 6;
    await completeScaling(w.deps, { ...second, waitSeconds: 1 });
    w.clock.advance(300_000);
    const atMax = await sweepScalingPolicies(w.deps);

    // Assess
    expect(inCooldown.started).toEqual([]);
    expect(pastCooldown.started).toHaveLength(1);
    expect((await w.deps.operations.get(second.operationId))?.scale?.to.desiredSize).toBe(6);
    expect(atMax.started).toEqual([]);
    expect(atMax.skipped[0]?.reason).toMatch(/already at/);
  });

  it('a firing whose workflow cannot start spends no cooldown: the retried event scales', async () => {
    // Prepare
    const w = world();
    await w.deps.scaling.createPolicy(w.policy);
    w.workflows.failWith = Object.assign(new Error('throttled'), { name: 'ThrottledError' });

    // Act
    const failed = await firePoliciesForAlarm(w.deps, change('2027-01-01T00:00:00Z')).catch((e) => e);
    const afterFailure = (await w.deps.scaling.listPolicies('c1', 'ng'))[0];
    const lockAfterFailure = await w.deps.operations.lockHolder(nodegroupLock('c1', 'ng'));
    w.workflows.failWith = undefined;
    const retried = await firePoliciesForAlarm(w.deps, change('2027-01-01T00:00:00Z'));

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(afterFailure?.lastFiredAt).toBeUndefined();
    expect(lockAfterFailure).toBeUndefined();
    expect(retried.started).toHaveLength(1);
  });

  it('fires while a change runs: waits for it (no cooldown spent), then runs when it ends', async () => {
    // Prepare
    const w = world();
    await w.deps.scaling.createPolicy(w.policy);
    await w.deps.operations.create({
      id: 'someone-else',
      kind: 'ScaleNodegroup',
      cluster: 'c1',
      status: 'Running',
      lock: nodegroupLock('c1', 'ng'),
      steps: [],
      createdAt: '2027-01-01T00:00:00Z',
      updatedAt: '2027-01-01T00:00:00Z',
      version: 0,
      scale: {
        nodegroup: 'ng',
        trigger: { kind: 'api', principal: 'someone' },
        requestedBy: 'someone',
        from: { minSize: 1, maxSize: 6, desiredSize: 2 },
        to: { minSize: 1, maxSize: 6, desiredSize: 3 },
      },
    });

    // Act
    const during = await firePoliciesForAlarm(w.deps, change('2027-01-01T00:00:00Z'));
    const stored = (await w.deps.scaling.listPolicies('c1', 'ng'))[0];
    defined(w.nodegroups.groups.get('c1/ng'), "w.nodegroups.groups.get('c1/ng')").sizes.desiredSize = 3;
    await completeScaling(w.deps, { operationId: 'someone-else', cluster: 'c1', nodegroup: 'ng', waitSeconds: 1 });

    // Assess
    expect(during.skipped[0]?.reason).toBe('waits for operation someone-else');
    expect(stored?.lastFiredAt).toBeUndefined();
    expect(w.workflows.started).toHaveLength(1);
    expect((await w.deps.scaling.listPolicies('c1', 'ng'))[0]?.lastFiredAt).toBe('2027-01-01T00:00:00.000Z');
    // judged on the sizes the first change left: 3 + 2
    expect(
      (
        await w.deps.operations.get(
          defined(w.workflows.started[0]?.executionName, 'w.workflows.started[0]?.executionName'),
        )
      )?.scale?.to.desiredSize,
    ).toBe(5);
  });
});
