import { CloudWatchClient, DescribeAlarmsCommand, type DescribeAlarmsCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchAlarmStates } from '../../../../../core/adapters/aws/cloudwatch-alarm-states';
import { AlarmStatesOnce, checkAlarmChange } from '../../../../../core/alarms/queries/alarm-reads';
import { onAlarmStateChange } from '../../../../../core/rollouts/commands/on-alarm';
import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { sweepRollouts } from '../../../../../core/rollouts/commands/sweep-rollouts';
import type { AlarmState } from '../../../../../core/rollouts/domain/analysis';
import { reconcileRollout } from '../../../../../core/rollouts/steps/reconcile-rollout';
import { MemoryVerifiedAlarmChanges } from '../../../../fakes/memory-verified-alarm-changes';
import { defined } from '../../../../helpers/defined';
import { CLUSTER, canaryBody, NAMESPACE, rolloutWorld } from '../../../../helpers/rollout-world';

/** CloudWatch on aws-sdk-client-mock: DescribeAlarms answers the named alarms from `states`, counting calls. */
function cloudwatch(states: Map<string, AlarmState>) {
  const client = new CloudWatchClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const faults = { next: undefined as Error | undefined };
  mock.on(DescribeAlarmsCommand).callsFake((input: DescribeAlarmsCommandInput) => {
    const fault = faults.next;
    faults.next = undefined;
    if (fault) throw fault;
    return {
      MetricAlarms: (input.AlarmNames ?? [])
        .filter((name) => states.has(name))
        .map((name) => ({ AlarmName: name, StateValue: states.get(name) })),
    };
  });
  const calls = () => mock.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames ?? []);
  return { alarms: new CloudWatchAlarmStates(client), mock, calls, faults };
}

/** `count` rollouts, each on its own Deployment, guarded by `alarmOf(i)`, read through the mocked CloudWatch. */
async function world(count: number, alarmOf: (i: number) => string, states: Map<string, AlarmState>) {
  const w = rolloutWorld();
  const cw = cloudwatch(states);
  w.deps.alarms = cw.alarms;
  const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x:1' }] } };
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    w.workloads.addDeployment(CLUSTER, NAMESPACE, `d${i}`, { replicas: 2, template, selector: { app: `d${i}` } });
    const body = canaryBody({ deployment: `d${i}`, image: 'x:2' }, { analysis: { alarms: [alarmOf(i)] } });
    ids.push((await startRollout(w.deps, body, w.newId)).id);
  }
  cw.mock.resetHistory();
  return { w, cw, ids };
}

const alarmChange = (alarmName: string, state: AlarmState, time = '2026-03-01T12:00:30.000Z') => ({
  alarmName,
  state,
  time,
});

describe('alarm reads under the DescribeAlarms quota', () => {
  it('the sweep reads 150 guarding alarms in 2 DescribeAlarms calls (100 names each at most)', async () => {
    // Prepare
    const names = Array.from({ length: 150 }, (_, i) => `guard-${i}`);
    const { w, cw } = await world(150, (i) => `guard-${i}`, new Map(names.map((n) => [n, 'OK' as const])));

    // Act
    const outcome = await sweepRollouts(w.deps);

    // Assess
    expect(outcome.checked).toBe(150);
    expect(cw.calls().map((n) => n.length)).toEqual([100, 50]);
    expect(new Set(cw.calls().flat())).toEqual(new Set(names));
  });

  it('a duplicate ALARM delivered to another container makes no DescribeAlarms call', async () => {
    // Prepare: 10 rollouts guarded by one alarm, now in ALARM
    const states = new Map<string, AlarmState>([['web-5xx', 'OK']]);
    const { w, cw, ids } = await world(10, () => 'web-5xx', states);
    states.set('web-5xx', 'ALARM');

    // Act: the first delivery, then the same change in a fresh invocation without the first's coalescer
    const first = await onAlarmStateChange(w.deps, alarmChange('web-5xx', 'ALARM'));
    const afterFirst = cw.calls().length;
    const duplicate = await onAlarmStateChange({ ...w.deps }, alarmChange('web-5xx', 'ALARM'));

    // Assess
    expect(first.aborted.sort()).toEqual([...ids].sort());
    expect(afterFirst).toBe(1);
    expect(duplicate.aborted).toEqual([]);
    expect(cw.calls()).toHaveLength(1);
  });

  it('25 deliveries of one ALARM at once, each in its own container: one DescribeAlarms, each rollout aborted once', async () => {
    // Prepare
    const states = new Map<string, AlarmState>([['web-5xx', 'OK']]);
    const { w, cw, ids } = await world(10, () => 'web-5xx', states);
    states.set('web-5xx', 'ALARM');

    // Act: no coalescer is shared (each Lambda container has its own); the store is
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, () => onAlarmStateChange({ ...w.deps }, alarmChange('web-5xx', 'ALARM'))),
    );

    // Assess
    expect(cw.calls()).toEqual([['web-5xx']]);
    expect(new Set(outcomes.flatMap((o) => o.aborted))).toEqual(new Set(ids));
    for (const id of ids) {
      const history = defined(await w.rollouts.get(id), 'w.rollouts.get(id)').history.filter(
        (e) => e.type === 'Aborted',
      );
      expect(history).toHaveLength(1);
    }
  });

  it('concurrent checks of a change the alarm has left share one DescribeAlarms too', async () => {
    // Prepare
    const cw = cloudwatch(new Map([['web-5xx', 'OK']]));
    const verifiedChanges = new MemoryVerifiedAlarmChanges();
    const container = () => ({ alarms: new AlarmStatesOnce(cw.alarms), verifiedChanges });

    // Act
    const checks = await Promise.all(
      Array.from({ length: 5 }, () => checkAlarmChange(container(), alarmChange('web-5xx', 'ALARM'))),
    );

    // Assess
    expect(cw.calls()).toEqual([['web-5xx']]);
    for (const check of checks) expect(check).toMatchObject({ current: false, state: 'OK' });
  });

  it('an event of an alarm that guards no active rollout makes no DescribeAlarms call', async () => {
    // Prepare
    const { w, cw } = await world(2, () => 'web-5xx', new Map([['web-5xx', 'OK']]));

    // Act
    const outcome = await onAlarmStateChange(w.deps, alarmChange('other-alarm', 'ALARM'));

    // Assess
    expect(outcome.ignored).toMatch(/guards no active rollout/);
    expect(cw.calls()).toEqual([]);
  });

  it('a change already verified is answered from the store; an older one is history, both without a call', async () => {
    // Prepare
    const cw = cloudwatch(new Map([['web-5xx', 'ALARM']]));
    const deps = { alarms: cw.alarms, verifiedChanges: new MemoryVerifiedAlarmChanges() };

    // Act
    const first = await checkAlarmChange(deps, alarmChange('web-5xx', 'ALARM'));
    const again = await checkAlarmChange(deps, alarmChange('web-5xx', 'ALARM'));
    const older = await checkAlarmChange(deps, alarmChange('web-5xx', 'OK', '2026-03-01T11:00:00.000Z'));

    // Assess
    expect(first).toEqual({ current: true, via: 'cloudwatch' });
    expect(again).toEqual({ current: true, via: 'store' });
    expect(older).toMatchObject({ current: false, via: 'store', state: 'ALARM' });
    expect(cw.calls()).toEqual([['web-5xx']]);
  });

  it('reads each alarm once per invocation, concurrent reads included, and forgets a failed read', async () => {
    // Prepare
    const cw = cloudwatch(
      new Map<string, AlarmState>([
        ['a', 'OK'],
        ['b', 'ALARM'],
      ]),
    );
    const once = new AlarmStatesOnce(cw.alarms);

    // Act
    const [ab, a, b] = await Promise.all([once.states(['a', 'b']), once.states(['a']), once.states(['b', 'missing'])]);
    cw.faults.next = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await expect(once.states(['c'])).rejects.toThrow('denied');
    await once.states(['c', 'a']);

    // Assess
    expect(ab).toEqual({ a: 'OK', b: 'ALARM' });
    expect(a).toEqual({ a: 'OK' });
    expect(b).toEqual({ b: 'ALARM' });
    expect(cw.calls()).toEqual([['a', 'b'], ['missing'], ['c'], ['c']]);
  });
});

describe('a reconcile task reads its alarms once', () => {
  it('however many passes and in-task polls it makes', async () => {
    // Prepare: a canary guarded by one alarm; the Deployment controller catches up from the third in-task poll on
    const w = rolloutWorld({ alarms: { 'web-5xx': 'OK' } });
    const { id } = await startRollout(w.deps, canaryBody({}, { analysis: { alarms: ['web-5xx'] } }), w.newId);
    let polls = 0;
    w.deps.sleep = async () => {
      if (++polls >= 3) w.workloads.settle();
    };
    w.alarms.queried.length = 0;

    // Act
    const result = await reconcileRollout(w.deps, { rolloutId: id, run: 1 });

    // Assess: it went on to the timed pause after waiting in the task
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(result).toMatchObject({ done: false, status: 'Paused' });
    expect(w.alarms.queried).toEqual([['web-5xx']]);
  });
});
