import { operationMetricPoints, rolloutMetricPoints } from '../../../../core/metrics/metric-points';
import { newOperation, type Operation } from '../../../../core/operations/domain/operation';
import type { Rollout } from '../../../../core/rollouts/domain/types';

const base = { id: 'r-1', strategy: 'canary', status: 'Progressing' } as Rollout;
const at = (status: Rollout['status'], extra: Partial<Rollout> = {}) => ({ ...base, status, ...extra }) as Rollout;

describe('rolloutMetricPoints', () => {
  it.each([
    ['a new rollout', undefined, at('Progressing'), ['RolloutsStarted']],
    ['a step', at('Progressing'), at('Paused'), []],
    ['a save without a status change', at('Progressing'), at('Progressing'), []],
    ['a promotion', at('Progressing'), at('Promoted'), ['RolloutsPromoted']],
    ['an abort by hand', at('Progressing'), at('Aborted', { abort: { reason: 'x', at: 'T' } }), ['RolloutsAborted']],
    ['a failure', at('Progressing'), at('Failed'), ['RolloutsFailed']],
    ['an Aborted record saved again', at('Aborted'), at('Aborted'), []],
  ] as const)('%s → %j', (_what, before, after, names) => {
    expect(rolloutMetricPoints(before, after).map((p) => p.name)).toEqual(names);
  });

  it('times an alarm abort from the abort to stable serving alone, for both outcomes', () => {
    // Prepare
    const abort = { reason: 'alarm', alarm: 'web-5xx', at: '2026-01-01T00:00:00.000Z' };
    const aborted = at('Aborted', { abort, finishedAt: '2026-01-01T00:00:02.250Z', strategy: 'blueGreen' });
    const failed = at('Failed', { abort: { ...abort, failure: true }, finishedAt: '2026-01-01T00:00:01.000Z' });

    // Act
    const points = [...rolloutMetricPoints(at('Progressing'), aborted), ...rolloutMetricPoints(base, failed)];

    // Assess
    expect(points.filter((p) => p.name === 'AlarmToStableMilliseconds')).toEqual([
      { name: 'AlarmToStableMilliseconds', unit: 'Milliseconds', value: 2250, dimensions: { strategy: 'blueGreen' } },
      { name: 'AlarmToStableMilliseconds', unit: 'Milliseconds', value: 1000, dimensions: { strategy: 'canary' } },
    ]);
  });
  it('never times below 0 (two functions whose clocks differ), and not at all without a readable time', () => {
    // Prepare
    const abort = { reason: 'alarm', alarm: 'web-5xx', at: '2026-01-01T00:00:00.010Z' };
    const skewed = at('Aborted', { abort, finishedAt: '2026-01-01T00:00:00.004Z' });
    const unreadable = at('Aborted', { abort: { ...abort, at: 'not a time' }, finishedAt: '2026-01-01T00:00:01.000Z' });

    // Act
    const times = [skewed, unreadable].map((r) =>
      rolloutMetricPoints(base, r).filter((p) => p.name === 'AlarmToStableMilliseconds'),
    );

    // Assess
    expect(times.map((points) => points.map((p) => p.value))).toEqual([[0], []]);
  });
});

describe('operationMetricPoints', () => {
  const running = newOperation('op-1', 'ProvisionCluster', 'c1', new Date(0));
  const ended = (status: Operation['status']) => ({ ...running, status });

  it.each([
    [running, ended('Succeeded'), [{ kind: 'ProvisionCluster', outcome: 'Succeeded' }]],
    [running, ended('Failed'), [{ kind: 'ProvisionCluster', outcome: 'Failed' }]],
    [running, running, []],
    [ended('Failed'), ended('Failed'), []],
  ])('%#: counts the end of an operation only', (before, after, dimensions) => {
    expect(operationMetricPoints(before, after).map((p) => p.dimensions)).toEqual(dimensions);
  });
});
