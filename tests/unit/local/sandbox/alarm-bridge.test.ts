import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { parseAlarmStateChange } from '../../../../core/alarms/requests/alarm-event';
import { AlarmBridge } from '../../../../local/sandbox/alarm-bridge';

const cw = mockClient(CloudWatchClient);
const ARN = (name: string) => `arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${name}`;

function alarm(
  name: string,
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
  at = '2026-03-01T12:00:00.000Z',
): MetricAlarm {
  return {
    AlarmName: name,
    AlarmArn: ARN(name),
    StateValue: state,
    StateReason: `set ${state}`,
    StateUpdatedTimestamp: new Date(at),
    MetricName: '5xx',
    Namespace: 'eksflow/test',
    Period: 60,
    Statistic: 'Sum',
  };
}

let bridge: AlarmBridge | undefined;
let delivered: Record<string, unknown>[];

function newBridge() {
  delivered = [];
  bridge = new AlarmBridge(new CloudWatchClient({ region: 'eu-west-1' }), async (event) => void delivered.push(event), {
    region: 'eu-west-1',
    account: '111122223333',
    intervalMs: 60_000,
  });
  return bridge;
}

beforeEach(() => cw.reset());
afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
});

describe('AlarmBridge', () => {
  it('start() records the states without emitting anything', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx', 'ALARM'), alarm('web-latency', 'OK')] });
    const b = newBridge();

    // Act
    await b.start();
    const emitted = await b.poll();

    // Assess
    expect(emitted).toBe(0);
    expect(delivered).toEqual([]);
  });

  it('poll() emits one event per changed alarm, in the real CloudWatch event shape', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [alarm('web-5xx', 'OK'), alarm('web-latency', 'OK')] })
      .resolves({
        MetricAlarms: [alarm('web-5xx', 'ALARM', '2026-03-01T12:01:00.000Z'), alarm('web-latency', 'OK')],
      });
    const b = newBridge();
    await b.start();

    // Act
    const emitted = await b.poll();

    // Assess
    expect(emitted).toBe(1);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      version: '0',
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      account: '111122223333',
      region: 'eu-west-1',
      resources: [ARN('web-5xx')],
      detail: {
        alarmName: 'web-5xx',
        state: { value: 'ALARM', reason: 'set ALARM', timestamp: '2026-03-01T12:01:00.000Z' },
        previousState: { value: 'OK', timestamp: '2026-03-01T12:00:00.000Z' },
      },
    });
    expect(typeof delivered[0]?.id).toBe('string');
  });

  it('emits an event that parseAlarmStateChange accepts', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [alarm('web-5xx', 'ALARM')] })
      .resolves({ MetricAlarms: [alarm('web-5xx', 'OK', '2026-03-01T12:02:00.000Z')] });
    const b = newBridge();
    await b.start();

    // Act
    await b.poll();

    // Assess
    expect(parseAlarmStateChange(delivered[0])).toEqual({
      alarmName: 'web-5xx',
      state: 'OK',
      previousState: 'ALARM',
      reason: 'set OK',
      time: '2026-03-01T12:02:00.000Z',
    });
  });

  it('emits nothing while nothing changes, and again only on the next change', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [alarm('a', 'OK')] })
      .resolvesOnce({ MetricAlarms: [alarm('a', 'OK')] })
      .resolvesOnce({ MetricAlarms: [alarm('a', 'ALARM')] })
      .resolves({ MetricAlarms: [alarm('a', 'ALARM')] });
    const b = newBridge();
    await b.start();

    // Act
    const counts = [await b.poll(), await b.poll(), await b.poll()];

    // Assess
    expect(counts).toEqual([0, 1, 0]);
    expect(delivered).toHaveLength(1);
  });

  it('a new alarm counts as coming from INSUFFICIENT_DATA', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [] })
      .resolves({ MetricAlarms: [alarm('fresh', 'ALARM'), alarm('quiet', 'INSUFFICIENT_DATA')] });
    const b = newBridge();
    await b.start();

    // Act
    const emitted = await b.poll();

    // Assess
    expect(emitted).toBe(1);
    expect(parseAlarmStateChange(delivered[0])).toMatchObject({
      alarmName: 'fresh',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
    });
  });

  it('reads every page of DescribeAlarms', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand, { NextToken: undefined }).resolves({
      MetricAlarms: [alarm('a', 'ALARM')],
      NextToken: 'p2',
    });
    cw.on(DescribeAlarmsCommand, { NextToken: 'p2' }).resolves({ MetricAlarms: [alarm('b', 'ALARM')] });
    const b = newBridge();

    // Act
    const emitted = await b.poll();

    // Assess
    expect(emitted).toBe(2);
    expect(delivered.map((e) => (e.detail as { alarmName: string }).alarmName)).toEqual(['a', 'b']);
  });

  it('delivers again at the next pass an event whose delivery failed, and still delivers the others', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx', 'OK'), alarm('web-latency', 'OK')] });
    const attempts: string[] = [];
    let failing = true;
    bridge = new AlarmBridge(
      new CloudWatchClient({ region: 'eu-west-1' }),
      async (event) => {
        const name = (event.detail as { alarmName: string }).alarmName;
        attempts.push(name);
        if (failing && name === 'web-5xx') throw new Error('handler failed');
      },
      { region: 'eu-west-1', intervalMs: 60_000 },
    );
    await bridge.start();
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [alarm('web-5xx', 'ALARM', '2026-03-01T12:01:00.000Z'), alarm('web-latency', 'ALARM')],
    });

    // Act
    await expect(bridge.poll()).rejects.toThrow('handler failed');
    failing = false;
    const second = await bridge.poll();
    const third = await bridge.poll();

    // Assess
    expect(attempts).toEqual(['web-5xx', 'web-latency', 'web-5xx']);
    expect(second).toBe(1);
    expect(third).toBe(0);
  });
  it("stamps an event in the sandbox clock's time: the emulator's stamps moved by the clock's offset", async () => {
    // Prepare: the sandbox clock stands an hour ahead of real time (it was advanced)
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx', 'OK', '2026-03-01T12:00:00.000Z')] });
    bridge = new AlarmBridge(new CloudWatchClient({ region: 'eu-west-1' }), async (e) => void delivered.push(e), {
      region: 'eu-west-1',
      intervalMs: 60_000,
      clockOffsetMs: () => 3_600_000,
    });
    delivered = [];
    await bridge.start();
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx', 'ALARM', '2026-03-01T12:05:00.000Z')] });

    // Act
    await bridge.poll();

    // Assess
    const detail = delivered[0]?.detail as { state: { timestamp: string }; previousState: { timestamp: string } };
    expect(detail.state.timestamp).toBe('2026-03-01T13:05:00.000Z');
    expect(detail.previousState.timestamp).toBe('2026-03-01T13:00:00.000Z');
  });

  it("with the emulator's change feed, reads the alarms only after a CloudWatch write, and delivers at once", async () => {
    // Prepare: a stand-in for the emulator's feed (tools/moto/changes.py) that holds each wait until a write
    const feed = new ChangeFeedStandIn();
    const endpoint = await feed.listen();
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [alarm('web-5xx', 'OK')] })
      .resolves({ MetricAlarms: [alarm('web-5xx', 'ALARM', '2026-03-01T12:01:00.000Z')] });
    delivered = [];
    bridge = new AlarmBridge(new CloudWatchClient({ region: 'eu-west-1' }), async (e) => void delivered.push(e), {
      region: 'eu-west-1',
      intervalMs: 60_000,
      emulatorEndpoint: endpoint,
    });
    try {
      await bridge.start();
      await until(() => feed.waitingAfter === 0);
      const readsWhileIdle = cw.commandCalls(DescribeAlarmsCommand).length;

      // Act: one write
      feed.write();
      await until(() => delivered.length === 1 && feed.waitingAfter === 1);

      // Assess: one read at start, none while nothing changed, one after the write; the bridge waits again
      expect(readsWhileIdle).toBe(1);
      expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(2);
      expect(delivered[0]?.detail).toMatchObject({ alarmName: 'web-5xx', state: { value: 'ALARM' } });
    } finally {
      await bridge.stop();
      bridge = undefined;
      await feed.close();
    }
  });
});

/** Answers GET /_eksflow/changes/cloudwatch?after=N&waitMs=M as the emulator does: once the count is above N (at
 * once for M = 0; it never times out). */
class ChangeFeedStandIn {
  private seq = 0;
  private readonly waiting: { after: number; waitMs: number; response: ServerResponse }[] = [];
  private readonly server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/_eksflow/changes/cloudwatch') return void response.writeHead(404).end();
    const [after, waitMs] = [Number(url.searchParams.get('after')), Number(url.searchParams.get('waitMs'))];
    this.waiting.push({ after, waitMs, response });
    this.answer();
  });

  /** The `after` of the wait held open now, if any. */
  get waitingAfter(): number | undefined {
    return this.waiting[0]?.after;
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  write(): void {
    this.seq += 1;
    this.answer();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private answer(): void {
    for (const wait of this.waiting.splice(0)) {
      if (this.seq > wait.after || wait.waitMs === 0) wait.response.end(JSON.stringify({ seq: this.seq }));
      else this.waiting.push(wait);
    }
  }
}

/** Resolves once `condition` holds (checked on every turn of the event loop's timers), failing after 5 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met: ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
