import {
  judgeMetric,
  type Measurement,
  type MetricSpec,
  measure,
  statisticOf,
} from '../../../../../core/rollouts/domain/metric-analysis';

const spec = (overrides: Partial<MetricSpec> = {}): MetricSpec => ({
  name: 'error-rate',
  query: [{ Id: 'e' }],
  interval: '30s',
  count: 3,
  failureLimit: 0,
  inconclusiveLimit: 0,
  condition: { operator: '<=', threshold: 0.01, statistic: 'max' },
  noData: 'pause',
  dryRun: false,
  ...overrides,
});
const at = '2026-12-07T00:00:00.000Z';
const m = (result: Measurement['result']): Measurement => ({ metric: 'error-rate', at, value: 0, result });

describe('metric analysis', () => {
  it.each([
    ['max', [0.001, 0.02, 0.005], 0.02],
    ['avg', [1, 2, 6], 3],
    ['last', [5, 1, 9], 9],
  ] as const)('the %s of %j is %d', (statistic, values, expected) => {
    expect(statisticOf([...values], statistic)).toBe(expected);
  });

  it.each([
    ['pass', 'Successful'],
    ['fail', 'Failed'],
    ['pause', 'Inconclusive'],
  ] as const)('no datapoints with noData %s is %s, with no value', (noData, result) => {
    expect(measure(spec({ noData }), [], at)).toEqual({ metric: 'error-rate', at, value: null, result });
  });

  it.each([
    ['<=', 0.01, 0.01, 'Successful'],
    ['<=', 0.01, 0.02, 'Failed'],
    ['<', 0.01, 0.01, 'Failed'],
    ['>', 100, 101, 'Successful'],
    ['>=', 100, 99, 'Failed'],
    ['==', 0, 0, 'Successful'],
    ['!=', 0, 0, 'Failed'],
  ] as const)('%s %d against %d: %s', (operator, threshold, value, result) => {
    expect(measure(spec({ condition: { operator, threshold, statistic: 'last' } }), [value], at).result).toBe(result);
  });

  it.each([
    [[], 'running'],
    [['Successful', 'Successful'], 'running'],
    [['Successful', 'Successful', 'Successful'], 'passed'],
    [['Successful', 'Failed'], 'failed'],
    [['Inconclusive'], 'inconclusive'],
  ] as const)('after %j the metric is %s (failureLimit 0, inconclusiveLimit 0, count 3)', (results, state) => {
    expect(judgeMetric(spec(), results.map(m)).state).toBe(state);
  });

  it('tolerates failures up to failureLimit, and fails on the next', () => {
    const limited = spec({ failureLimit: 1, count: 5 });
    expect(judgeMetric(limited, [m('Failed')]).state).toBe('running');
    expect(judgeMetric(limited, [m('Failed'), m('Failed')]).state).toBe('failed');
  });
});
