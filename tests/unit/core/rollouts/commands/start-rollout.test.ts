import { ConflictError, ValidationError } from '../../../../../core/kernel/errors';
import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { REVISION_LABEL } from '../../../../../core/rollouts/domain/types';
import { rolloutView } from '../../../../../core/rollouts/queries/get-rollouts';
import { defined } from '../../../../helpers/defined';
import {
  blueGreenBody,
  CLUSTER,
  canaryBody,
  DEPLOYMENT,
  NAMESPACE,
  rolloutWorld,
  T0,
} from '../../../../helpers/rollout-world';

async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('startRollout', () => {
  it('stores a Progressing canary rollout and starts its first run', async () => {
    // Prepare
    const world = rolloutWorld({ alarms: { 'web-5xx': 'OK' } });

    // Act
    const rollout = await startRollout(world.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), world.newId);

    // Assess
    expect(rollout).toMatchObject({
      id: '00000000-0000-4000-8000-000000000001',
      status: 'Progressing',
      phase: 'Steps',
      strategy: 'canary',
      currentStepIndex: 0,
      run: 1,
      alarms: ['web-5xx'],
      stable: { replicas: 10 },
      weights: { canary: 0, stable: 100 },
      createdAt: T0,
    });
    expect(rollout.newTemplate.spec?.containers).toEqual([{ name: 'web', image: 'nginx:1.28' }]);
    expect(rollout.newTemplate.metadata?.labels).toEqual({ app: 'web', [REVISION_LABEL]: rollout.revision });
    expect(await world.rollouts.get(rollout.id)).toMatchObject({ id: rollout.id, status: 'Progressing' });
    expect(world.workflows.started).toEqual([
      { workflow: 'rollout', executionName: `${rollout.id}-1`, input: { rolloutId: rollout.id, run: 1 } },
    ]);
    expect(world.workloads.calls).toEqual([]); // the cluster is only read
    expect(world.events.types()).toContain('Rollout Started');
  });

  it('keeps the principal that started it as createdBy, shown by the rollout view', async () => {
    // Prepare
    const world = rolloutWorld();
    const principal = 'arn:aws:iam::123456789012:role/deployer';

    // Act
    const rollout = await startRollout(world.deps, canaryBody(), world.newId, undefined, principal);

    // Assess
    expect((await world.rollouts.get(rollout.id))?.createdBy).toBe(principal);
    expect(rolloutView(rollout).createdBy).toBe(principal);
  });

  it('records the Service selectors for blue-green', async () => {
    // Prepare
    const world = rolloutWorld();

    // Act
    const rollout = await startRollout(world.deps, blueGreenBody(), world.newId);

    // Assess
    expect(rollout).toMatchObject({
      phase: 'Preview',
      strategy: 'blueGreen',
      stable: { activeSelector: { app: 'web' }, previewSelector: { app: 'web' } },
    });
    expect(rollout.newTemplate.metadata?.labels?.version).toBe(rollout.revision);
  });

  it.each`
    what                                  | body                                                                                                                    | field
    ${'an unknown namespace'}             | ${canaryBody({ namespace: 'nope' })}                                                                                    | ${'namespace'}
    ${'an unknown deployment'}            | ${canaryBody({ deployment: 'api' })}                                                                                    | ${'deployment'}
    ${'an unknown container'}             | ${canaryBody({ container: 'sidecar' })}                                                                                 | ${'container'}
    ${'an unknown guarding alarm'}        | ${canaryBody({}, { analysis: { alarms: ['web-5xx', 'ghost'] } })}                                                       | ${'canary.analysis.alarms'}
    ${'an unknown analysis-step alarm'}   | ${canaryBody({}, { steps: [{ setWeight: 10 }, { analysis: { alarms: ['ghost'] } }] })}                                  | ${'canary.analysis.alarms'}
    ${'an unknown blue-green alarm'}      | ${blueGreenBody({}, { analysis: { alarms: ['ghost'] } })}                                                               | ${'blueGreen.analysis.alarms'}
    ${'an unknown active Service'}        | ${blueGreenBody({}, { activeService: 'nope' })}                                                                         | ${'blueGreen.activeService'}
    ${'an unknown preview Service'}       | ${blueGreenBody({}, { previewService: 'nope' })}                                                                        | ${'blueGreen.previewService'}
    ${'preview = active'}                 | ${blueGreenBody({}, { previewService: 'web' })}                                                                         | ${'blueGreen.previewService'}
    ${'a bad request'}                    | ${canaryBody({}, { steps: [] })}                                                                                        | ${'canary.steps'}
    ${'a privileged patch'}               | ${canaryBody({ podTemplatePatch: { spec: { containers: [{ name: 'web', securityContext: { privileged: true } }] } } })} | ${'podTemplatePatch.spec.containers.0.securityContext'}
    ${'a hostNetwork patch'}              | ${canaryBody({ podTemplatePatch: { spec: { hostNetwork: true } } })}                                                    | ${'podTemplatePatch.spec.hostNetwork'}
    ${'a container the Deployment lacks'} | ${canaryBody({ podTemplatePatch: { spec: { containers: [{ name: 'ghost', image: 'x' }] } } })}                          | ${'podTemplatePatch.spec.containers.0.name'}
    ${'a label the Deployment selects'}   | ${canaryBody({ podTemplatePatch: { metadata: { labels: { app: 'other' } } } })}                                         | ${'podTemplatePatch.metadata.labels.app'}
  `('400 for $what, naming $field, and writes nothing', async ({ body, field }) => {
    // Prepare
    const world = rolloutWorld({ alarms: { 'web-5xx': 'OK' } });

    // Act
    const error = await refusal(startRollout(world.deps, body, world.newId));

    // Assess
    expect(error.status).toBe(400);
    expect(error.details.map((d) => d.field)).toContain(field);
    expect(world.workloads.calls).toEqual([]);
    expect(await world.rollouts.listActive()).toEqual([]);
    expect((await world.rollouts.list({ cluster: CLUSTER, limit: 10 })).rollouts).toEqual([]);
    expect(world.workflows.started).toEqual([]);
  });

  it('takes a patch of release fields and team labels into the new template', async () => {
    // Prepare
    const world = rolloutWorld({ alarms: {} });
    const patch = {
      metadata: { labels: { tier: 'front', app: 'web' } },
      spec: { containers: [{ name: 'web', args: ['-v'] }] },
    };

    // Act
    const rollout = await startRollout(world.deps, canaryBody({ podTemplatePatch: patch }), world.newId, [
      { allowLabels: ['tier', 'app'] },
    ]);

    // Assess
    expect(rollout.newTemplate.metadata?.labels).toMatchObject({ tier: 'front', app: 'web' });
  });

  it('lets a patch change a field the policy allows for the namespace', async () => {
    // Prepare
    const world = rolloutWorld({ alarms: {} });
    const patch = { spec: { volumes: [{ name: 'cache', emptyDir: {} }] } };

    // Act
    const refused = await refusal(startRollout(world.deps, canaryBody({ podTemplatePatch: patch }), world.newId));
    const allowed = await startRollout(world.deps, canaryBody({ podTemplatePatch: patch }), world.newId, [
      { allowPodFields: ['spec.volumes'] },
    ]);

    // Assess
    expect(refused.details.map((d) => d.field)).toEqual(['podTemplatePatch.spec.volumes']);
    expect(allowed.newTemplate.spec?.volumes).toEqual([{ name: 'cache', emptyDir: {} }]);
  });

  it('names the unknown alarm in the message', async () => {
    // Prepare
    const world = rolloutWorld({ alarms: { 'web-5xx': 'OK' } });

    // Act
    const error = await refusal(
      startRollout(world.deps, canaryBody({}, { analysis: { alarms: ['web-5xx', 'ghost'] } }), world.newId),
    );

    // Assess
    expect(error.message).toContain('ghost');
    expect(error.message).not.toContain('web-5xx,');
  });

  it('asks which container when the pod has several and none is named', async () => {
    // Prepare
    const world = rolloutWorld();
    defined(
      defined(
        defined(
          world.workloads.deployment(CLUSTER, NAMESPACE, DEPLOYMENT),
          'world.workloads.deployment(CLUSTER, NAMESPACE, DEPLOYMENT)',
        ).template.spec,
        'world.workloads.deployment(CLUSTER, NAMESPACE, DEPLOYMENT...',
      ).containers,
      'world.workloads .deployment(CLUSTER, NAMESPACE, DEPLOYMEN...',
    ).push({ name: 'sidecar', image: 'envoy:1.30' });

    // Act
    const error = await refusal(startRollout(world.deps, canaryBody(), world.newId));

    // Assess
    expect(error.details.map((d) => d.field)).toEqual(['container']);
    expect(world.workloads.calls).toEqual([]);
  });

  it('409 for a second rollout on the same Deployment, naming the first', async () => {
    // Prepare
    const world = rolloutWorld();
    const first = await startRollout(world.deps, canaryBody(), world.newId);

    // Act
    const error = await startRollout(world.deps, canaryBody({ image: 'nginx:1.29' }), world.newId).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).status).toBe(409);
    expect(JSON.stringify({ message: (error as Error).message, details: (error as ConflictError).details })).toContain(
      first.id,
    );
    expect(world.workflows.started).toHaveLength(1);
  });

  it('lets exactly one of 5 concurrent starts win', async () => {
    // Prepare
    const world = rolloutWorld();

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        startRollout(world.deps, canaryBody({ image: `nginx:1.${30 + i}` }), world.newId),
      ),
    );

    // Assess
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(4);
    for (const r of lost) expect(r.reason).toBeInstanceOf(ConflictError);
    expect(await world.rollouts.listActive()).toHaveLength(1);
    expect(world.workflows.started).toHaveLength(1);
  });

  it('stores the rollout as Failed and frees the Deployment when the workflow does not start', async () => {
    // Prepare
    const world = rolloutWorld();
    world.workflows.failWith = new Error('StartExecution throttled');

    // Act
    const error = await startRollout(world.deps, canaryBody(), world.newId).catch((e: unknown) => e);

    // Assess
    expect((error as Error).message).toBe('StartExecution throttled');
    const [stored] = (await world.rollouts.list({ cluster: CLUSTER, limit: 10 })).rollouts;
    expect(stored).toMatchObject({ status: 'Failed', finishedAt: T0 });
    expect(stored?.history.at(-1)).toMatchObject({ type: 'Failed' });
    expect(stored?.history.at(-1)?.message).toContain('StartExecution throttled');
    expect(await world.rollouts.listActive()).toEqual([]);
    expect(world.workloads.calls).toEqual([]);

    // Act: the Deployment takes a new rollout
    world.workflows.failWith = undefined;
    const second = await startRollout(world.deps, canaryBody(), world.newId);

    // Assess
    expect(second.status).toBe('Progressing');
  });
});
