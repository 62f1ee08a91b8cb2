import { EmfMetrics } from '../../../../../shared/adapters/aws/emf-metrics';

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
    const metrics = new EmfMetrics('eksflow');

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
    new EmfMetrics('eksflow').record([]);

    // Assess
    expect(written).toEqual([]);
  });
});
