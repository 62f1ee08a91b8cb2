import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchAlarmStates } from '../../../../../core/adapters/aws/cloudwatch-alarm-states';

describe('CloudWatchAlarmStates', () => {
  const cw = mockClient(CloudWatchClient);
  beforeEach(() => cw.reset());

  it('reads 250 names in 3 calls of at most 100 names, asking for 100 alarms a page', async () => {
    // Prepare
    const names = Array.from({ length: 250 }, (_, i) => `alarm-${i}`);
    cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.map((AlarmName) => ({ AlarmName, StateValue: 'OK' })),
    }));

    // Act
    const states = await new CloudWatchAlarmStates(cw as unknown as CloudWatchClient).states([...names, ...names]);

    // Assess
    const calls = cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.AlarmNames?.length)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.MaxRecords === 100)).toBe(true);
    expect(Object.keys(states)).toHaveLength(250);
  });

  it('leaves out alarms that do not exist (the domain reads them as missing, not as no data)', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'kept', StateValue: 'ALARM' }] });

    // Act
    const states = await new CloudWatchAlarmStates(cw as unknown as CloudWatchClient).states(['kept', 'deleted']);

    // Assess
    expect(states).toEqual({ kept: 'ALARM' });
  });
});
