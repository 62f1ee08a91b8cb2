import { ConflictError, NotFoundError } from '../../../../../core/kernel/errors';
import { abortRollout } from '../../../../../core/rollouts/commands/abort-rollout';
import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { reconcileRollout } from '../../../../../core/rollouts/steps/reconcile-rollout';
import { restoreStep } from '../../../../../core/rollouts/steps/restore-stable';
import { defined } from '../../../../helpers/defined';
import {
  blueGreenBody,
  CLUSTER,
  canaryBody,
  NAMESPACE,
  rolloutWorld,
  startedToFirstPause,
} from '../../../../helpers/rollout-world';

type World = ReturnType<typeof rolloutWorld>;

async function toNineOne(world: World) {
  const r = await startedToFirstPause(world);
  expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.replicas).toBe(9);
  return r;
}

const ops = (world: World) =>
  world.workloads.calls.map((c) => `${c.op} ${c.name}${'replicas' in c ? ` ${c.replicas}` : ''}`);

describe('abortRollout', () => {
  it('records Aborting first, scales stable up, and removes the canary only once stable is Ready', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await toNineOne(world);
    world.workloads.calls.length = 0;

    // Act: the abort (stable pods not Ready yet: the fake controller has not settled)
    const aborting = await abortRollout(world.deps, id, 'by hand');

    // Assess: intent recorded, lock held, a new run outdates and stops the old one, canary still serving
    expect(aborting).toMatchObject({ status: 'Progressing', phase: 'Aborting', abort: { reason: 'by hand' }, run: 2 });
    expect(ops(world)).toEqual(['setReplicas web 10']);
    expect((await world.rollouts.listActive()).map((r) => r.id)).toEqual([id]);
    expect(world.workflows.stopped).toEqual([{ workflow: 'rollout', executionName: `${id}-1` }]);
    expect(world.workflows.started.at(-1)?.executionName).toBe(`${id}-2`);
    expect(world.events.types()).toContain('Rollout Aborting');

    // Act: the new run's pass before stable is Ready keeps the canary; after, it removes it
    const early = await reconcileRollout(world.deps, { rolloutId: id, run: 2 });
    expect(early.done).toBe(false);
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')?.replicas).toBe(1);
    world.workloads.settle();
    const last = await reconcileRollout(world.deps, { rolloutId: id, run: 2 });

    // Assess
    expect(last).toMatchObject({ done: true, status: 'Aborted' });
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')).toBeUndefined();
    const done = await world.rollouts.get(id);
    expect(done).toMatchObject({ status: 'Aborted', phase: 'Done', weights: { canary: 0, stable: 100 } });
    expect(await world.rollouts.listActive()).toEqual([]);
  });

  it('decides from the record the caller just read (no read of its own); a stale one conflicts and is read again', async () => {
    // Prepare: two views of the same rollout, one outdated by a write made since
    const world = rolloutWorld();
    const { id } = await toNineOne(world);
    const stale = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    await abortRollout(world.deps, id, 'by hand');
    const current = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    const reads = jest.spyOn(world.rollouts, 'get');

    // Act
    const fromCurrent = await abortRollout(world.deps, id, 'again', undefined, current);
    const readsFromCurrent = reads.mock.calls.length;
    const fromStale = await abortRollout(world.deps, id, 'from an old view', undefined, stale);

    // Assess: the known record answers without a read; the stale one is not trusted over the store
    expect(readsFromCurrent).toBe(0);
    expect(fromCurrent).toMatchObject({ phase: 'Aborting', abort: { reason: 'by hand' } });
    expect(fromStale).toMatchObject({ phase: 'Aborting', abort: { reason: 'by hand' } });
    expect(world.events.types().filter((t) => t === 'Rollout Aborting')).toHaveLength(1);
  });

  it('finishes at once when stable is Ready already (the abort of a rollout whose canary never started)', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);

    // Act
    const aborted = await abortRollout(world.deps, id, 'by hand');

    // Assess
    expect(aborted).toMatchObject({ status: 'Aborted', abort: { reason: 'by hand' } });
    expect(world.workloads.calls).toEqual([]);
    expect(world.workflows.started.map((s) => s.executionName)).toEqual([`${id}-1`]);
  });

  it('is idempotent: a second abort while aborting or after returns the rollout and touches nothing', async () => {
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
  });

  it('an outdated run does nothing after an abort: no restore, no canary, no save', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await toNineOne(world);
    await abortRollout(world.deps, id, 'by hand');
    world.workloads.settle();
    await reconcileRollout(world.deps, { rolloutId: id, run: 2 });
    const after = await world.rollouts.get(id);
    world.workloads.calls.length = 0;

    // Act: the first run's timer fires
    const stale = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });

    // Assess
    expect(stale.done).toBe(true);
    expect(world.workloads.calls).toEqual([]);
    expect(await world.rollouts.get(id)).toEqual(after);
  });

  it('409 for a Promoted rollout', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, canaryBody(), world.newId);
    const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
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

describe('restoreStep', () => {
  it('puts back only a template the rollout itself wrote; someone else’s template is kept', async () => {
    // Prepare: promotion had replaced stable's template
    const world = rolloutWorld();
    const { id } = await toNineOne(world);
    const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    const web = defined(
      await world.workloads.getDeployment(CLUSTER, NAMESPACE, 'web'),
      "world.workloads.getDeployment(CLUSTER, NAMESPACE, 'web')",
    );
    await world.workloads.setTemplate(CLUSTER, NAMESPACE, web, r.newTemplate, 10);
    world.workloads.calls.length = 0;

    // Act
    await restoreStep(world.deps, r);

    // Assess
    expect(world.workloads.calls).toEqual([{ op: 'setTemplate', name: 'web', replicas: 10, image: 'nginx:1.27' }]);

    // Prepare: someone else's hotfix on stable instead
    world.workloads.edit(CLUSTER, NAMESPACE, 'web', (d) => {
      d.template = { ...d.template, spec: { containers: [{ name: 'web', image: 'nginx:hotfix' }] } };
    });
    world.workloads.settle();
    world.workloads.calls.length = 0;

    // Act
    await restoreStep(world.deps, r);

    // Assess: the hotfix stays
    expect(world.workloads.calls.map((c) => c.op)).not.toContain('setTemplate');
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.template.spec?.containers?.[0]?.image).toBe(
      'nginx:hotfix',
    );
  });

  it('never deletes a Deployment that is not the rollout’s', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await toNineOne(world);
    const r = defined(await world.rollouts.get(id), 'world.rollouts.get(id)');
    world.workloads.edit(CLUSTER, NAMESPACE, 'web-canary', (d) => {
      d.labels = { team: 'a' };
    });
    world.workloads.settle();

    // Act
    for (let i = 0; i < 3; i++) await restoreStep(world.deps, r);
    world.workloads.settle();
    const last = await restoreStep(world.deps, r);

    // Assess
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')).toBeDefined();
    expect(last.done).toBe(true);
    expect(last.note).toMatch(/web-canary is not this rollout's/);
  });

  it('blue-green after the switch: back on a Ready blue first, then green goes, then the selector is unpinned', async () => {
    // Prepare: green exists and the active Service selects it
    const world = rolloutWorld();
    const r = await startRollout(world.deps, blueGreenBody(), world.newId);
    const green = { ...r.stable.activeSelector, version: r.revision };
    await world.workloads.createDeployment(CLUSTER, NAMESPACE, {
      name: 'web-green',
      replicas: 10,
      selector: green,
      template: r.newTemplate,
      labels: { 'eksflow.io/rollout': r.id },
    });
    await world.workloads.setServiceSelector(
      CLUSTER,
      NAMESPACE,
      defined(
        await world.workloads.getService(CLUSTER, NAMESPACE, 'web'),
        "world.workloads.getService(CLUSTER, NAMESPACE, 'web')",
      ),
      green,
    );
    const preview = defined(
      await world.workloads.getService(CLUSTER, NAMESPACE, 'web-preview'),
      "world.workloads.getService(CLUSTER, NAMESPACE, 'web-previ...",
    );
    await world.workloads.setServiceSelector(CLUSTER, NAMESPACE, preview, green);
    world.workloads.calls.length = 0;

    // Act
    let progress = await restoreStep(world.deps, r);
    for (let i = 0; i < 5 && !progress.done; i++) progress = await restoreStep(world.deps, r);

    // Assess
    expect(progress.done).toBe(true);
    expect(world.workloads.calls).toEqual([
      {
        op: 'setServiceSelector',
        name: 'web',
        selector: { app: 'web', 'pod-template-hash': r.stable.podTemplateHash },
      },
      { op: 'setServiceSelector', name: 'web-preview', selector: { app: 'web' } },
      { op: 'deleteDeployment', name: 'web-green' },
      { op: 'setServiceSelector', name: 'web', selector: { app: 'web' } },
    ]);
  });
});
