import { EmfMetrics } from '../../../../../core/adapters/aws/emf-metrics';
import { createLogger } from '../../../../../core/kernel/logger';

describe('EmfMetrics (Powertools Metrics)', () => {
  let written: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    written = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
  });
  afterEach(() => spy.mockRestore());

  it('writes each point as one Embedded Metric Format line: namespace, dimensions, unit and value', () => {
    // Prepare
    const metrics = new EmfMetrics('eksflow', createLogger('silent'));

    // Act
    metrics.record([
      { name: 'RolloutsAborted', unit: 'Count', value: 1, dimensions: { strategy: 'canary' } },
      { name: 'AlarmToStableMilliseconds', unit: 'Milliseconds', value: 840, dimensions: { strategy: 'canary' } },
    ]);

    // Assess
    const lines = written.map((w) => JSON.parse(w));
    expect(lines).toHaveLength(2);
    const [aborted, latency] = lines;
    expect(aborted._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'eksflow',
        Dimensions: [expect.arrayContaining(['service', 'strategy'])],
        Metrics: [{ Name: 'RolloutsAborted', Unit: 'Count' }],
      },
    ]);
    expect(Number.isInteger(aborted._aws.Timestamp)).toBe(true);
    expect(aborted).toMatchObject({ service: 'eksflow', strategy: 'canary', RolloutsAborted: 1 });
    expect(latency._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: 'AlarmToStableMilliseconds', Unit: 'Milliseconds' },
    ]);
    expect(latency.AlarmToStableMilliseconds).toBe(840);
  });

  it('writes nothing for no points', () => {
    // Act
    new EmfMetrics('eksflow', createLogger('silent')).record([]);

    // Assess
    expect(written).toEqual([]);
  });

  it('never throws: a metric Powertools refuses is logged and the others are still written', () => {
    // Prepare: more dimensions than EMF allows (29) make Powertools throw
    const warnings: Record<string, any>[] = [];
    const logger = createLogger('warn', {}, (line) => void warnings.push(JSON.parse(line)));
    const metrics = new EmfMetrics('eksflow', logger);
    const tooMany = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`d${i}`, 'x']));

    // Act
    const record = () =>
      metrics.record([
        { name: 'RolloutsStarted', unit: 'Count', value: 1, dimensions: tooMany },
        { name: 'RolloutsPromoted', unit: 'Count', value: 1, dimensions: { strategy: 'canary' } },
      ]);

    // Assess
    expect(record).not.toThrow();
    expect(warnings).toEqual([expect.objectContaining({ level: 'WARN', message: 'metric not recorded' })]);
    expect(written.map((w) => JSON.parse(w)).filter((l) => l.RolloutsPromoted === 1)).toHaveLength(1);
  });
});
