import { promoteRollout } from '../../../../../core/rollouts/commands/promote-rollout';
import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { reconcileRollout } from '../../../../../core/rollouts/steps/reconcile-rollout';
import { canaryBody, rolloutWorld } from '../../../../helpers/rollout-world';

const errorRate = (overrides: Record<string, unknown> = {}) => ({
  name: 'error-rate',
  query: [
    {
      Id: 'errors',
      MetricStat: { Metric: { Namespace: 'Web', MetricName: 'Errors' }, Period: 60, Stat: 'Average' },
    },
  ],
  interval: '30s',
  count: 2,
  condition: { operator: '<=', threshold: 0.01, statistic: 'max' },
  noData: 'pause',
  ...overrides,
});

const bodyWith = (metric: Record<string, unknown>) =>
  canaryBody({}, { steps: [{ setWeight: 50 }, { analysis: { metrics: [metric] } }] });

type World = ReturnType<typeof rolloutWorld>;

async function passes(world: World, id: string, n: number) {
  let last = await reconcileRollout(world.deps, { rolloutId: id, run: (await world.rollouts.get(id))?.run ?? 1 });
  for (let i = 1; i < n && !last.done; i++) {
    world.workloads.settle();
    world.clock.advance(last.waitSeconds * 1000);
    last = await reconcileRollout(world.deps, { rolloutId: id, run: (await world.rollouts.get(id))?.run ?? 1 });
  }
  return last;
}

describe('analysis step with metrics', () => {
  it('measures count times, interval apart, records each value, then goes on', async () => {
    // Prepare
    const world = rolloutWorld();
    world.metricData.series.set('errors', [0.001, 0.004]);
    const { id } = await startRollout(world.deps, bodyWith(errorRate()), world.newId);

    // Act
    const result = await passes(world, id, 20);

    // Assess: two measurements 30 s apart, each in the history; the step completed, then promotion
    const r = await world.rollouts.get(id);
    const measured = r?.history.filter((h) => h.type === 'Measured') ?? [];
    expect(measured.map((h) => h.metric)).toEqual([
      { name: 'error-rate', value: 0.004, operator: '<=', threshold: 0.01, result: 'Successful' },
      { name: 'error-rate', value: 0.004, operator: '<=', threshold: 0.01, result: 'Successful' },
    ]);
    expect(Date.parse(measured[1]?.at ?? '') - Date.parse(measured[0]?.at ?? '')).toBe(30_000);
    const [first] = world.metricData.calls;
    expect((first?.end.getTime() ?? 0) - (first?.start.getTime() ?? 0)).toBe(30_000);
    expect(result.status).toBe('Promoted');
  });

  it('aborts on a bad value, naming the metric, the value and the threshold', async () => {
    // Prepare
    const world = rolloutWorld();
    world.metricData.series.set('errors', [0.001, 0.05]);
    const { id } = await startRollout(world.deps, bodyWith(errorRate()), world.newId);

    // Act
    await passes(world, id, 20);

    // Assess
    const r = await world.rollouts.get(id);
    expect(r?.status).toBe('Aborted');
    expect(r?.abort?.reason).toBe('analysis failed: error-rate measured 0.05, which fails <= 0.01 (max)');
  });

  it('pauses on no data with noData "pause", with the reason, and promote goes on', async () => {
    // Prepare
    const world = rolloutWorld();
    const { id } = await startRollout(world.deps, bodyWith(errorRate()), world.newId);

    // Act
    const paused = await passes(world, id, 20);
    await promoteRollout(world.deps, id, { full: false });
    const after = await passes(world, id, 20);

    // Assess
    expect(paused).toMatchObject({ done: true, status: 'Paused' });
    const history = (await world.rollouts.get(id))?.history ?? [];
    expect(history.find((h) => h.type === 'Paused')?.message).toBe(
      'metric error-rate had no data (noData: pause): waiting for promote',
    );
    expect(after.status).toBe('Promoted');
  });

  it('a dryRun metric records its failing values and decides nothing', async () => {
    // Prepare
    const world = rolloutWorld();
    world.metricData.series.set('errors', [0.5]);
    const { id } = await startRollout(world.deps, bodyWith(errorRate({ dryRun: true, count: 1 })), world.newId);

    // Act
    const result = await passes(world, id, 20);

    // Assess
    expect(result.status).toBe('Promoted');
    const measured = (await world.rollouts.get(id))?.history.filter((h) => h.type === 'Measured') ?? [];
    expect(measured.map((h) => h.metric?.result)).toEqual(['Failed']);
    expect(measured[0]?.metric?.dryRun).toBe(true);
  });

  it.each([
    [{ noData: undefined }, 'noData'],
    [{ condition: { operator: '~', threshold: 1 } }, 'condition.operator'],
    [{ query: [{ Id: 'a' }] }, 'needs exactly one of MetricStat and Expression'],
    [
      {
        query: [
          { Id: 'a', Expression: 'm1 * 2' },
          { Id: 'b', Expression: 'm1 * 3' },
        ],
      },
      'exactly one query must return data',
    ],
  ])('refuses %j, naming %s', async (overrides, named) => {
    const world = rolloutWorld();
    await expect(startRollout(world.deps, bodyWith(errorRate(overrides)), world.newId)).rejects.toThrow(named);
  });

  it('refuses rollout-wide metrics for now, naming the field and where they go instead', async () => {
    const world = rolloutWorld();
    const body = canaryBody({}, { analysis: { metrics: [errorRate()] } });
    await expect(startRollout(world.deps, body, world.newId)).rejects.toThrow(
      'canary.analysis.metrics: rollout-wide metrics are not supported yet: give them in an analysis step',
    );
  });
});
