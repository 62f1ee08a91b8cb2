import { ConflictError, NotFoundError } from '../../../../shared/errors';
import { abortRollout, restoreStable } from '../../../../shared/use-cases/abort-rollout';
import { reconcileRollout } from '../../../../shared/use-cases/reconcile-rollout';
import { startRollout } from '../../../../shared/use-cases/start-rollout';
import { blueGreenBody, canaryBody, CLUSTER, NAMESPACE, rolloutWorld } from '../../../helpers/rollout-world';

type World = ReturnType<typeof rolloutWorld>;

async function toNineOne(world: World) {
  const r = await startRollout(world.deps, canaryBody(), world.newId);
  for (let i = 0; i < 5; i++) {
    const res = await reconcileRollout(world.deps, { rolloutId: r.id, run: 1 });
    if (res.status === 'Paused') break;
    world.workloads.settle();
  }
  expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.replicas).toBe(9);
  return r;
}

describe('abortRollout', () => {
  it('puts traffic back on stable and records the abort', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await toNineOne(world);

    // Act
    const aborted = await abortRollout(world.deps, id, 'by hand');

    // Assess
    expect(aborted).toMatchObject({
      status: 'Aborted',
      abort: { reason: 'by hand' },
      weights: { canary: 0, stable: 100 },
    });
    expect(aborted.pause).toBeUndefined();
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.replicas).toBe(10);
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')).toBeUndefined();
    expect(world.events.types()).toContain('Rollout Aborted');
    expect(await world.rollouts.listActive()).toEqual([]);
  });

  it('is idempotent: aborting an Aborted rollout returns it unchanged and touches nothing', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await toNineOne(world);
    const first = await abortRollout(world.deps, id, 'by hand');
    const writes = world.workloads.writes;
    const published = world.events.published.length;

    // Act
    const second = await abortRollout(world.deps, id, 'again');

    // Assess
    expect(second).toEqual(first);
    expect(world.workloads.writes).toBe(writes);
    expect(world.events.published).toHaveLength(published);
    expect(second.history.filter((e) => e.type === 'Aborted')).toHaveLength(1);
  });

  it('409 for a Promoted rollout', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const r = (await world.rollouts.get(id))!;
    await world.rollouts.save({ ...r, status: 'Promoted', phase: 'Done' });

    // Act
    const error = await abortRollout(world.deps, id, 'too late').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).status).toBe(409);
    expect(world.workloads.calls).toEqual([]);
  });

  it('404 for an unknown id', async () => {
    // Prepare
    const world = rolloutWorld();

    // Act / Assess
    await expect(abortRollout(world.deps, 'nope', 'x')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('restoreStable', () => {
  it('scales stable back up before the canary is scaled down and deleted', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await toNineOne(world);
    const r = (await world.rollouts.get(id))!;
    world.workloads.calls.length = 0;

    // Act
    await restoreStable(world.workloads, r);

    // Assess
    expect(world.workloads.calls).toEqual([
      { op: 'setReplicas', name: 'web', replicas: 10 },
      { op: 'setReplicas', name: 'web-canary', replicas: 0 },
      { op: 'deleteDeployment', name: 'web-canary' },
    ]);
  });

  it('puts the stable template back when promotion had already replaced it', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await toNineOne(world);
    const r = (await world.rollouts.get(id))!;
    await world.workloads.setTemplate(CLUSTER, NAMESPACE, 'web', r.newTemplate, 10);
    world.workloads.calls.length = 0;

    // Act
    await restoreStable(world.workloads, r);

    // Assess
    expect(world.workloads.calls[0]).toEqual({ op: 'setTemplate', name: 'web', replicas: 10, image: 'nginx:1.27' });
    expect(world.workloads.calls.map((c) => c.op)).toEqual(['setTemplate', 'setReplicas', 'deleteDeployment']);
  });

  it('does nothing when stable is already as it was and there is no canary', async () => {
    // Prepare
    const world = rolloutWorld();
    const r = await startRollout(world.deps, canaryBody(), world.newId);

    // Act
    await restoreStable(world.workloads, r);
    await restoreStable(world.workloads, r);

    // Assess
    expect(world.workloads.calls).toEqual([]);
  });

  it('blue-green: restores the Service selectors before green is removed', async () => {
    // Prepare
    const world = rolloutWorld();
    const r = await startRollout(world.deps, blueGreenBody(), world.newId);
    const green = { ...r.stable.activeSelector, version: r.revision };
    await world.workloads.createDeployment(CLUSTER, NAMESPACE, {
      name: 'web-green',
      replicas: 10,
      selector: green,
      template: r.newTemplate,
      labels: {},
    });
    await world.workloads.setServiceSelector(CLUSTER, NAMESPACE, 'web', green);
    await world.workloads.setServiceSelector(CLUSTER, NAMESPACE, 'web-preview', green);
    world.workloads.calls.length = 0;

    // Act
    await restoreStable(world.workloads, r);

    // Assess
    expect(world.workloads.calls).toEqual([
      { op: 'setServiceSelector', name: 'web', selector: { app: 'web' } },
      { op: 'setServiceSelector', name: 'web-preview', selector: { app: 'web' } },
      { op: 'setReplicas', name: 'web-green', replicas: 0 },
      { op: 'deleteDeployment', name: 'web-green' },
    ]);
  });
});
