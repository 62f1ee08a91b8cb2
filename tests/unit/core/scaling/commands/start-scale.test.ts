import { ConflictError, ValidationError } from '../../../../../core/kernel/errors';
import { resumeScaleRuns } from '../../../../../core/scaling/commands/resume-scale-runs';
import { type ScaleWorkflowInput, startScale } from '../../../../../core/scaling/commands/start-scale';
import { nodegroupLock } from '../../../../../core/scaling/domain/records';
import { applyScaling, completeScaling, failScaling } from '../../../../../core/scaling/steps/scale-steps';
import { defined } from '../../../../helpers/defined';
import { scalingWorld } from '../../../../helpers/scaling-fakes';

const target = { cluster: 'c1', nodegroup: 'ng' };
const api = { kind: 'api' as const, principal: 'arn:aws:iam::1:user/a' };

function world() {
  const w = scalingWorld();
  w.nodegroups.add('c1', 'ng', { minSize: 2, maxSize: 8, desiredSize: 4 });
  return w;
}

describe('startScale', () => {
  it('a request outside the bounds is refused (400) and leaves no lock, operation or run behind', async () => {
    // Prepare
    const w = world();

    // Act
    const refused = startScale(w.deps, target, { by: 'request', request: { kind: 'desired', desiredSize: 9 } }, api);

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    expect(await w.deps.operations.lockHolder(nodegroupLock('c1', 'ng'))).toBeUndefined();
    expect(await w.deps.scaling.recentOperations('c1', 'ng', 10)).toEqual([]);
    expect(w.workflows.started).toEqual([]);
  });

  it('automation clamps to the bounds and skips a change that changes nothing', async () => {
    // Prepare
    const w = world();

    // Act
    const clamped = await startScale(
      w.deps,
      target,
      { by: 'automation', request: { kind: 'desired', desiredSize: 20 } },
      { kind: 'schedule', schedule: 's', occurrence: 'x' },
    );
    await failScaling(w.deps, {
      ...(defined(w.workflows.started[0], 'w.workflows.started[0]').input as ScaleWorkflowInput),
      error: { Error: 'X', Cause: 'y' },
    });
    const same = await startScale(
      w.deps,
      target,
      { by: 'automation', request: { kind: 'desired', desiredSize: 4 } },
      { kind: 'schedule', schedule: 's', occurrence: 'y' },
    );

    // Assess
    expect(clamped).toMatchObject({ started: true, to: { desiredSize: 8 } });
    expect(same).toEqual({ started: false, reason: 'already at min 2, desired 4, max 8' });
    expect(await w.deps.operations.lockHolder(nodegroupLock('c1', 'ng'))).toBeUndefined();
  });

  it('a second request while one runs is a 409 naming it', async () => {
    // Prepare
    const w = world();
    const first = await startScale(w.deps, target, { by: 'request', request: { kind: 'delta', delta: 1 } }, api);

    // Act
    const second = startScale(w.deps, target, { by: 'request', request: { kind: 'delta', delta: 1 } }, api);

    // Assess
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toThrow(first.started ? first.operationId : 'never');
  });

  it('a change that took the lock after it was read: automation is told the holder, a request gets the 409', async () => {
    // Prepare: the first change runs, but each start reads the lock before it was taken (a race)
    const w = world();
    const first = await startScale(w.deps, target, { by: 'request', request: { kind: 'delta', delta: 1 } }, api);
    const firstId = first.started ? first.operationId : 'never';
    w.deps.operations.lockHolder = async () => undefined;
    const schedule = { kind: 'schedule' as const, schedule: 's', occurrence: 'x' };

    // Act
    const automation = await startScale(
      w.deps,
      target,
      { by: 'automation', request: { kind: 'desired', desiredSize: 6 } },
      schedule,
    );
    const request = startScale(w.deps, target, { by: 'request', request: { kind: 'delta', delta: 1 } }, api);

    // Assess
    expect(automation).toEqual({ started: false, reason: `operation ${firstId} is changing it`, heldBy: firstId });
    await expect(request).rejects.toMatchObject({ status: 409, details: [{ field: 'nodegroup' }] });
    expect(w.workflows.started).toHaveLength(1);
  });

  it('a group EKS reports UPDATING (someone else changes it) is a 409, nothing started', async () => {
    // Prepare
    const w = world();
    defined(w.nodegroups.groups.get('c1/ng'), "w.nodegroups.groups.get('c1/ng')").status = 'UPDATING';

    // Act
    const refused = startScale(w.deps, target, { by: 'request', request: { kind: 'delta', delta: 1 } }, api);

    // Assess
    await expect(refused).rejects.toThrow(/is UPDATING/);
    expect(w.workflows.started).toEqual([]);
    expect(await w.deps.operations.lockHolder(nodegroupLock('c1', 'ng'))).toBeUndefined();
  });

  it('fitPendingPods raises by the nodes needed for pods the group can host, within max', async () => {
    // Prepare
    const w = world();
    const pod = (name: string, cpuMillis: number) => ({
      name,
      requests: { cpuMillis, memoryBytes: 1024 ** 3 },
      tolerations: [],
      nodeSelector: {},
      requiredNodeAffinity: [],
    });
    w.pods.pending = [pod('a', 1500), pod('b', 1500), pod('c', 1500), pod('d', 1500), pod('e', 1500)];

    // Act
    const result = await startScale(w.deps, target, { by: 'request', request: { kind: 'fitPendingPods' } }, api);

    // Assess: 5 nodes needed, 4 + 5 = 9, capped at max 8
    expect(result).toMatchObject({ started: true, to: { desiredSize: 8 } });
  });
});

describe('resumeScaleRuns', () => {
  it('gives a change whose run is gone a new run after the grace, once; releases the lock of an ended one', async () => {
    // Prepare
    const w = world();
    const started = await startScale(w.deps, target, { by: 'request', request: { kind: 'delta', delta: 1 } }, api);
    const id = started.started ? started.operationId : '';
    await applyScaling(w.deps, defined(w.workflows.started[0], 'w.workflows.started[0]').input as never);
    w.workflows.end(id);

    // Act
    const young = await resumeScaleRuns(w.deps);
    w.clock.advance(60_000);
    const resumed = await resumeScaleRuns(w.deps);
    const again = await resumeScaleRuns(w.deps);

    // Assess
    expect(young.resumed).toEqual([]);
    expect(resumed.resumed).toEqual([id]);
    expect(again.resumed).toEqual([]); // the new run is RUNNING
    expect(w.workflows.started.map((s) => s.executionName)).toEqual([id, `${id}-run-2`]);
    expect((await w.deps.operations.get(id))?.runs).toBe(2);
    expect(w.nodegroups.updates).toHaveLength(1);
  });
});

describe('operation transitions on the bus', () => {
  it('publishes Operation Started, then Operation Succeeded with who and from → to', async () => {
    // Prepare
    const w = world();
    const started = await startScale(
      w.deps,
      target,
      { by: 'request', request: { kind: 'desired', desiredSize: 6 } },
      api,
    );
    const input = defined(w.workflows.started[0], 'w.workflows.started[0]').input as ScaleWorkflowInput;

    // Act
    await applyScaling(w.deps, input);
    w.nodegroups.finishUpdates();
    await completeScaling(w.deps, input);

    // Assess
    expect(w.published.map((e) => e.detailType)).toEqual(['Operation Started', 'Operation Succeeded']);
    const id = started.started ? started.operationId : '';
    expect(w.published.map((e) => e.detail.eventId)).toEqual([`${id}:run-1:Started`, `${id}:run-1:Succeeded`]);
    expect(w.published[1]?.detail).toMatchObject({
      operationId: started.started ? started.operationId : '',
      kind: 'ScaleNodegroup',
      nodegroup: 'ng',
      status: 'Succeeded',
      requestedBy: 'arn:aws:iam::1:user/a',
      from: { desiredSize: 4 },
      to: { desiredSize: 6 },
    });
  });
});
