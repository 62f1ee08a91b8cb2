import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CANARY_SERVICE,
  createAlbApp,
  loadBalancerOf,
  networking,
  STABLE_SERVICE,
  sampleEmptyTargetGroups,
} from '../helpers/alb-fixtures';
import { deployment, waitForRollout } from '../helpers/rollout-fixtures';
import { api, awsClientConfig, eventually, kube, startTestRuntime, type TestRuntime } from '../helpers/stack';
import { advance, testClock } from '../helpers/test-clock';

const alb = { alb: { ingress: 'web', rootService: 'web', servicePort: 80 } };

function albCanary(namespace: string, steps: unknown[], extra: Record<string, unknown> = {}) {
  return {
    cluster: 'sandbox',
    namespace,
    deployment: 'web',
    image: 'nginx:1.28',
    canary: { trafficRouting: alb, stableService: STABLE_SERVICE, canaryService: CANARY_SERVICE, steps, ...extra },
  };
}

/** Canary weights through the sandbox's AWS Load Balancer Controller, read back from the emulator's ELBv2. */
describe('canary behind an ALB', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.close());

  it('holds exactly 20/80 on the listener at the pause, and promotes to 100 % new with no empty target group', async () => {
    // Prepare
    const app = await createAlbApp({ replicas: 10 });

    // Act
    const started = await api(
      runtime,
      'POST',
      '/rollouts',
      albCanary(app.namespace, [{ setWeight: 20 }, { pause: {} }]),
    );
    const paused = await waitForRollout(runtime, started.body.id, (r) => r.status === 'Paused', 60000);

    // Assess: the load balancer forwards exactly 20/80, with 2 canary pods beside 10 stable ones
    expect(started.status).toBe(202);
    expect(paused.weights).toEqual({ canary: 20, stable: 80 });
    const lb = await loadBalancerOf(app.hostname);
    expect(lb.weights).toEqual({ [STABLE_SERVICE]: 80, [CANARY_SERVICE]: 20 });
    expect(lb.targets).toEqual({ [STABLE_SERVICE]: 10, [CANARY_SERVICE]: 2 });
    expect((await deployment(app.namespace, 'web-canary'))?.spec?.replicas).toBe(2);
    expect((await deployment(app.namespace, 'web'))?.spec?.replicas).toBe(10);

    // Act: promote, sampling the load balancer every 50 ms
    const sampler = sampleEmptyTargetGroups(app.hostname);
    await api(runtime, 'POST', `/rollouts/${started.body.id}/promote`, {});
    const done = await waitForRollout(runtime, started.body.id, (r) => r.status === 'Promoted', 90000);
    const { samples, empty } = await sampler.stop();

    // Assess: stable runs the new version on 10 replicas and takes everything; no sample saw an empty target group
    expect(done.phase).toBe('Done');
    expect(empty).toEqual([]);
    expect(samples).toBeGreaterThan(5);
    const stable = await deployment(app.namespace, 'web');
    expect(stable?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.28');
    const after = await loadBalancerOf(app.hostname);
    expect(after.weights).toEqual({ [STABLE_SERVICE]: 100, [CANARY_SERVICE]: 0 });
    await eventually("the canary gone and stable's targets all new", async () => {
      const view = await loadBalancerOf(app.hostname);
      return (await deployment(app.namespace, 'web-canary')) === undefined && view.targets[STABLE_SERVICE] === 10
        ? true
        : undefined;
    });
    const { body: services } = await kube()
      .core.listNamespacedService({ namespace: app.namespace })
      .then((b) => ({ body: b }));
    const selectors = Object.fromEntries(services.items.map((s) => [s.metadata?.name, s.spec?.selector]));
    expect(selectors[STABLE_SERVICE]).toEqual({ app: 'web' });
    expect(selectors[CANARY_SERVICE]).toEqual({ app: 'web' });
  }, 150000);

  it('aborts to 0/100 before the canary goes, and keeps the canary up for abortScaleDownDelaySeconds', async () => {
    // Prepare
    const app = await createAlbApp({ replicas: 4 });
    const started = await api(
      runtime,
      'POST',
      '/rollouts',
      albCanary(app.namespace, [{ setWeight: 50 }, { pause: {} }], { abortScaleDownDelaySeconds: 30 }),
    );
    await waitForRollout(runtime, started.body.id, (r) => r.status === 'Paused', 60000);
    const sampler = sampleEmptyTargetGroups(app.hostname);

    // Act
    const aborted = await api(runtime, 'POST', `/rollouts/${started.body.id}/abort`, { reason: 'bad canary' });
    const draining = await waitForRollout(runtime, started.body.id, (r) =>
      r.history.some((h: { type: string }) => h.type === 'TrafficShifted'),
    );

    // Assess: all traffic on stable, and the canary still up while it drains
    expect(aborted.status).toBe(200);
    expect((await loadBalancerOf(app.hostname)).weights).toEqual({ [STABLE_SERVICE]: 100, [CANARY_SERVICE]: 0 });
    expect((await deployment(app.namespace, 'web-canary'))?.spec?.replicas).toBe(2);
    expect(draining.status).toBe('Progressing');

    // Act: the drain passes on the test clock
    await runWaiting(runtime, started.body.id, 'the run waiting out the drain');
    await advance(testClock(), 30);
    const done = await waitForRollout(runtime, started.body.id, (r) => r.status === 'Aborted', 60000);
    const { empty } = await sampler.stop();

    // Assess
    expect(done.weights).toEqual({ canary: 0, stable: 100 });
    expect(empty).toEqual([]);
    await eventually('the canary removed', async () =>
      (await deployment(app.namespace, 'web-canary')) === undefined ? true : undefined,
    );
    expect((await loadBalancerOf(app.hostname)).weights).toEqual({ [STABLE_SERVICE]: 100, [CANARY_SERVICE]: 0 });
  }, 150000);

  it('refuses an Ingress whose rule does not send the root Service to the actions annotation, naming the rule', async () => {
    // Prepare
    const app = await createAlbApp({ replicas: 2, rule: 'plain' });

    // Act
    const refused = await api(runtime, 'POST', '/rollouts', albCanary(app.namespace, [{ setWeight: 20 }]));

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      {
        field: 'canary.trafficRouting.alb.ingress',
        reason: expect.stringContaining('spec.rules[0].http.paths[0]'),
      },
    ]);
    expect(await deployment(app.namespace, 'web-canary')).toBeUndefined();
  }, 60000);

  it('pauses with the reason when the controller does not apply a weight in time', async () => {
    // Prepare: a controller that takes an hour for this Ingress
    const app = await createAlbApp({ replicas: 2 });
    await networking().patchNamespacedIngress({
      name: 'web',
      namespace: app.namespace,
      body: [
        { op: 'add', path: '/metadata/annotations/sandbox.eksflow.io~1alb-reconcile-delay-seconds', value: '3600' },
      ],
    });
    const started = await api(
      runtime,
      'POST',
      '/rollouts',
      albCanary(app.namespace, [{ setWeight: 50 }, { pause: {} }]),
    );
    await eventually('the Ingress asking for 50 %', async () => {
      const ingress = await networking().readNamespacedIngress({ name: 'web', namespace: app.namespace });
      return ingress.metadata?.annotations?.['alb.ingress.kubernetes.io/actions.web']?.includes('"weight":50')
        ? true
        : undefined;
    });
    await runWaiting(runtime, started.body.id, 'the run waiting for the load balancer');

    // Act: the bound passes on the test clock
    await advance(testClock(), 121);
    const paused = await waitForRollout(runtime, started.body.id, (r) => r.status === 'Paused', 60000);

    // Assess
    expect(paused.pause.reason).toBe('TrafficNotApplied');
    expect(paused.history.at(-1).message).toContain('does not forward 50% to web-canary');
    expect((await loadBalancerOf(app.hostname)).weights).toEqual({ [STABLE_SERVICE]: 100, [CANARY_SERVICE]: 0 });
  }, 90000);
});

/** The emulator refuses forward actions AWS refuses (moto alone accepts them). */
describe('ELBv2 forward action limits', () => {
  it('refuses a weight above 999 and a sixth target group, naming the limit', async () => {
    // Prepare
    const elb = new ElasticLoadBalancingV2Client(awsClientConfig());
    const { body: subnets } = { body: await subnetIds() };
    const lb = await elb.send(
      new CreateLoadBalancerCommand({ Name: `limits-${Date.now() % 100000}`, Subnets: subnets }),
    );
    const vpcId = lb.LoadBalancers?.[0]?.VpcId;
    const groups = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) =>
        elb.send(
          new CreateTargetGroupCommand({
            Name: `lim-${i}-${Date.now() % 100000}`,
            Protocol: 'HTTP',
            Port: 80,
            VpcId: vpcId,
            TargetType: 'ip',
          }),
        ),
      ),
    );
    const arns = groups.map((g) => g.TargetGroups?.[0]?.TargetGroupArn ?? '');
    const listener = (weights: number[]) =>
      elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: 8000 + weights.length,
          DefaultActions: [
            {
              Type: 'forward',
              ForwardConfig: { TargetGroups: weights.map((Weight, i) => ({ TargetGroupArn: arns[i], Weight })) },
            },
          ],
        }),
      );

    // Act + Assess
    await expect(listener([1000, 0])).rejects.toThrow(/less than or equal to 999/);
    await expect(listener([1, 1, 1, 1, 1, 1])).rejects.toThrow(/at most 5 target groups/);
    await expect(listener([999, 0, 1, 1, 1])).resolves.toBeDefined();
    elb.destroy();
  });
});

async function subnetIds(): Promise<string[]> {
  const { EC2Client, DescribeSubnetsCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = new EC2Client(awsClientConfig());
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
  ec2.destroy();
  return (Subnets ?? []).slice(0, 2).flatMap((s) => (s.SubnetId ? [s.SubnetId] : []));
}

/** Until the rollout's run sleeps in its workflow Wait (so the test clock may move past it). */
async function runWaiting(runtime: TestRuntime, id: string, what: string): Promise<void> {
  await eventually(
    what,
    async () =>
      runtime.engine
        .list()
        .some((e) => e.name.startsWith(id) && e.status === 'RUNNING' && e.statesEntered.at(-1) === 'WaitForNextPass')
        ? true
        : undefined,
    30000,
  );
}
