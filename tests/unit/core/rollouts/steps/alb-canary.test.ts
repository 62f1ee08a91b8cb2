import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { parseRolloutRequest } from '../../../../../core/rollouts/requests/rollout-request';
import { ALB_APPLY_SECONDS, canaryReplicas } from '../../../../../core/rollouts/steps/alb-traffic';
import { type PassResult, reconcileRollout } from '../../../../../core/rollouts/steps/reconcile-rollout';
import { CLUSTER, canaryBody, NAMESPACE, rolloutWorld } from '../../../../helpers/rollout-world';

type World = ReturnType<typeof rolloutWorld>;

const ALB = { alb: { ingress: 'web', rootService: 'web', servicePort: 80 } };
const albCanary = (steps: unknown[], extra: Record<string, unknown> = {}) =>
  canaryBody({}, { trafficRouting: ALB, stableService: 'web-stable', canaryService: 'web-canary', steps, ...extra });

/** An ALB world: the Services and the Ingress exist; the load balancer's healthy targets follow the Ready pods. */
function albWorld(): World {
  const world = rolloutWorld();
  world.workloads.addService(CLUSTER, NAMESPACE, 'web-stable', { app: 'web' });
  world.workloads.addService(CLUSTER, NAMESPACE, 'web-canary', { app: 'web' });
  world.alb.addIngress('web');
  world.alb.applyAll();
  return world;
}

function settle(world: World): void {
  world.workloads.settle();
  const ready = (name: string) => world.workloads.deployment(CLUSTER, NAMESPACE, name)?.status.readyReplicas ?? 0;
  world.alb.healthy.set('web-stable', ready('web'));
  world.alb.healthy.set('web-canary', ready('web-canary'));
}

async function drive(world: World, rolloutId: string, run = 1, maxPasses = 20): Promise<PassResult> {
  for (let i = 0; i < maxPasses; i++) {
    settle(world);
    const result = await reconcileRollout(world.deps, { rolloutId, run });
    if (result.done || result.waitSeconds > 2) return result;
  }
  throw new Error(`rollout ${rolloutId} still moving after ${maxPasses} passes`);
}

describe('ALB canary requests', () => {
  it.each([
    [
      { trafficRouting: ALB, canaryService: 'web-canary' },
      'canary.stableService',
      'is required with trafficRouting alb',
    ],
    [
      { trafficRouting: ALB, stableService: 'web', canaryService: 'web-canary' },
      'canary.stableService',
      'must not be the rootService',
    ],
    [
      { trafficRouting: ALB, stableService: 'a', canaryService: 'a' },
      'canary.canaryService',
      'must differ from stableService',
    ],
    [{ stableService: 'web-stable' }, 'canary.stableService', 'applies to trafficRouting alb only'],
  ])('%j is a 400 naming %s', (canary, field, reason) => {
    // Act
    const attempt = () => parseRolloutRequest(canaryBody({}, canary));

    // Assess
    expect(attempt).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([{ field, reason: expect.stringContaining(reason) }]),
      }),
    );
  });

  it('refuses setCanaryScale without ALB routing, naming the step', () => {
    expect(() => parseRolloutRequest(canaryBody({}, { steps: [{ setCanaryScale: { replicas: 2 } }] }))).toThrow(
      expect.objectContaining({
        details: [
          { field: 'canary.steps.0.setCanaryScale', reason: expect.stringContaining('needs trafficRouting alb') },
        ],
      }),
    );
  });

  it.each([
    [10, 20, undefined, 2],
    [10, 1, undefined, 1],
    [10, 0, undefined, 0],
    [10, 20, { replicas: 5 }, 5],
    [10, 20, { replicas: 0 }, 1],
    [10, 0, { replicas: 0 }, 0],
    [10, 20, { weight: 50 }, 5],
    [10, 20, { matchTrafficWeight: true as const }, 2],
  ])('N=%i at weight %i with scale %j: %i canary replicas', (n, weight, scale, expected) => {
    expect(canaryReplicas(n, weight, scale)).toBe(expected);
  });
});

describe('ALB canary passes', () => {
  it('setWeight 20 on 10 replicas: 2 canary pods, stable kept at 10, exactly 20/80 once the load balancer shows it', async () => {
    // Prepare
    const world = albWorld();
    const { id } = await startRollout(world.deps, albCanary([{ setWeight: 20 }, { pause: {} }]), world.newId);

    // Act
    const result = await drive(world, id);

    // Assess
    expect(result).toMatchObject({ done: true, status: 'Paused' });
    expect(await world.rollouts.get(id)).toMatchObject({ weights: { canary: 20, stable: 80 }, currentStepIndex: 1 });
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web-canary')?.replicas).toBe(2);
    expect(world.workloads.deployment(CLUSTER, NAMESPACE, 'web')?.replicas).toBe(10);
    expect(
      await world.alb.forwardWeights('', { namespace: NAMESPACE, ingress: 'web' }, ['web-stable', 'web-canary']),
    ).toEqual({
      'web-stable': 80,
      'web-canary': 20,
    });
  });

  it('writes no weight to a canary target group without healthy targets', async () => {
    // Prepare: the controller never registers the canary's pods
    const world = albWorld();
    const { id } = await startRollout(world.deps, albCanary([{ setWeight: 20 }]), world.newId);

    // Act
    for (let i = 0; i < 5; i++) {
      world.workloads.settle();
      world.alb.healthy.set('web-canary', 0);
      await reconcileRollout(world.deps, { rolloutId: id, run: 1 });
    }

    // Assess
    expect(world.alb.writes).toBe(0);
    expect((await world.rollouts.get(id))?.weights).toEqual({ canary: 0, stable: 100 });
  });

  it('waits for a load balancer that has not applied the weight, then pauses with the reason after the bound', async () => {
    // Prepare: a controller that applies nothing
    const world = albWorld();
    world.alb.instant = false;
    const { id } = await startRollout(world.deps, albCanary([{ setWeight: 20 }]), world.newId);
    let waiting: PassResult | undefined;
    for (let i = 0; i < 6; i++) {
      settle(world);
      waiting = await reconcileRollout(world.deps, { rolloutId: id, run: 1 });
    }

    // Act
    world.clock.advance((ALB_APPLY_SECONDS + 1) * 1000);
    const after = await drive(world, id);

    // Assess: it wrote once, waited, then paused; the record never claimed 20
    expect(waiting).toMatchObject({ done: false, status: 'Progressing' });
    expect(world.alb.writes).toBe(1);
    expect(after).toMatchObject({ done: true, status: 'Paused' });
    const paused = await world.rollouts.get(id);
    expect(paused?.pause?.reason).toBe('TrafficNotApplied');
    expect(paused?.weights).toEqual({ canary: 0, stable: 100 });
    expect(paused?.history.at(-1)?.message).toContain('does not forward 20% to web-canary');
  });
});
