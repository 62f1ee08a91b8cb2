import type { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricData } from '../../../../../core/adapters/aws/cloudwatch-metric-data';

/**
 * Metric math against a stand-in client (the emulator answers MetricStat queries only): the adapter sends the
 * queries as given, follows NextToken, and returns the one series that is returned data, oldest first.
 */
describe('CloudWatchMetricData', () => {
  const queries = [
    {
      Id: 'errors',
      MetricStat: { Metric: { Namespace: 'Web', MetricName: '5xx' }, Period: 60, Stat: 'Sum' },
      ReturnData: false,
    },
    {
      Id: 'requests',
      MetricStat: { Metric: { Namespace: 'Web', MetricName: 'Requests' }, Period: 60, Stat: 'Sum' },
      ReturnData: false,
    },
    { Id: 'rate', Expression: 'errors / requests' },
  ];

  it('reads the math expression’s series across pages, oldest first, and sends the queries unchanged', async () => {
    // Prepare
    const t = (minute: number) => new Date(Date.UTC(2026, 11, 7, 0, minute));
    const pages = [
      {
        MetricDataResults: [
          { Id: 'errors', Values: [7], Timestamps: [t(2)] },
          { Id: 'rate', Values: [0.03, 0.01], Timestamps: [t(3), t(1)] },
        ],
        NextToken: 'page-2',
      },
      { MetricDataResults: [{ Id: 'rate', Values: [0.02], Timestamps: [t(2)] }] },
    ];
    const sent: GetMetricDataCommand['input'][] = [];
    const client = {
      send: async (command: GetMetricDataCommand) => {
        sent.push(command.input);
        return pages[sent.length - 1];
      },
    } as unknown as CloudWatchClient;
    const start = t(0);
    const end = t(5);

    // Act
    const values = await new CloudWatchMetricData(client).values(queries, start, end);

    // Assess
    expect(values).toEqual([0.01, 0.02, 0.03]);
    expect(sent.map((input) => input.NextToken)).toEqual([undefined, 'page-2']);
    expect(sent[0]).toMatchObject({ MetricDataQueries: queries, StartTime: start, EndTime: end });
  });

  it('answers no datapoints as an empty series', async () => {
    const client = { send: async () => ({ MetricDataResults: [{ Id: 'rate', Values: [], Timestamps: [] }] }) };
    expect(
      await new CloudWatchMetricData(client as unknown as CloudWatchClient).values(queries, new Date(0), new Date()),
    ).toEqual([]);
  });
});
