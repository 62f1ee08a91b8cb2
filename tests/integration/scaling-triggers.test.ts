import { CreateScheduleGroupCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deployedScheduleName } from '../../core/adapters/aws/eventbridge-scheduler';
import { REPO_ROOT } from '../../local/runtime';
import { SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { functionRoles, packagedTemplate } from '../../tools/aws-gate/packaged-roles';
import { alarmStateChange } from '../helpers/chaos-events';
import { defined } from '../helpers/defined';
import { createNodegroup, emulatorNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import { createAlarm, setAlarm } from '../helpers/rollout-fixtures';
import { api, apiAs, awsClientConfig, eventually, startTestRuntime, type TestRuntime } from '../helpers/stack';

/** Issue 10 items 2, 3 and 5: schedules (sandbox clock, EventBridge Scheduler) and alarm policies. */
describe('node-group scaling on schedules and alarms', () => {
  let runtime: TestRuntime;
  /** The schedule group the packaged API function deploys schedules into (the stack creates it). */
  let group: string;
  /** The packaged API function's EKSFLOW_SCHEDULER_* settings. */
  let env: Record<string, string>;
  beforeAll(async () => {
    // The scheduler settings the packaged API function gets (target, role, group, dead-letter queue), and the
    // group and queue the stack would have created, made directly on the emulator.
    const api = functionRoles(await packagedTemplate(REPO_ROOT), { region: 'us-east-1', tableName: 'unused' }).find(
      (role) => role.functionName === 'api',
    );
    env = Object.fromEntries(
      Object.entries(api?.environment ?? {}).filter(([key]) => key.startsWith('EKSFLOW_SCHEDULER_')),
    );
    group = defined(env.EKSFLOW_SCHEDULER_GROUP, "the api function's EKSFLOW_SCHEDULER_GROUP");
    await new SchedulerClient(awsClientConfig())
      .send(new CreateScheduleGroupCommand({ Name: group }))
      .catch((error) => (error.name === 'ConflictException' ? undefined : Promise.reject(error)));
    const dlq = defined(env.EKSFLOW_SCHEDULER_DLQ_ARN, 'env.EKSFLOW_SCHEDULER_DLQ_ARN').split(':').pop();
    await new SQSClient(awsClientConfig()).send(new CreateQueueCommand({ QueueName: dlq }));
    runtime = await startTestRuntime({ env });
  }, 120000);
  afterAll(async () => runtime?.close());

  const path = (ng: NodegroupFixture, rest = '') => `/clusters/${ng.cluster}/nodegroups/${ng.name}${rest}`;
  const view = async (ng: NodegroupFixture) => (await api(runtime, 'GET', path(ng))).body;
  /** Moves the sandbox clock to `at` (it only goes forward) and returns what the tick fired. */
  const advanceTo = async (at: string) => {
    const seconds = Math.ceil((Date.parse(at) - runtime.clock.now().getTime()) / 1000);
    const response = await api(runtime, 'POST', '/_local/clock', { advanceSeconds: seconds });
    expect(response.status).toBe(200);
    return response.body;
  };
  const settled = (ng: NodegroupFixture) =>
    eventually('no change in flight', async () => {
      const v = await view(ng);
      return v.activeOperationId === undefined &&
        v.recentOperations.every((o: { status: string }) => o.status !== 'Running')
        ? v
        : undefined;
    });

  it.each([
    ['five cron fields', { schedule: 'cron(0 9 * * ?)' }, 'schedule', /6 fields/],
    ['both day fields', { schedule: 'cron(0 9 * * MON *)' }, 'schedule', /"\?"/],
    ['minute out of range', { schedule: 'cron(61 9 * * ? *)' }, 'schedule', /61/],
    ['bad rate', { schedule: 'rate(1 minutes)' }, 'schedule', /rate\(1 minute\)/],
    ['unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'timezone', /IANA/],
    ['no sizes', { desiredSize: undefined }, 'desiredSize', /sets desiredSize/],
    ['desired above max', { desiredSize: 50 }, 'desiredSize', /outside minSize 1 and maxSize 10/],
    [
      'end before start',
      { startDate: '2027-02-01T00:00:00Z', endDate: '2027-01-01T00:00:00Z' },
      'endDate',
      /after startDate/,
    ],
  ])('refuses a bad schedule (%s) with 400 naming the field, storing nothing', async (_case, patch, field, reason) => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2 });
    const body = {
      name: 'nightly',
      schedule: 'cron(0 22 * * ? *)',
      timezone: 'Europe/Paris',
      desiredSize: 1,
      ...patch,
    };

    // Act
    const response = await api(runtime, 'POST', path(ng, '/schedules'), body);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe(field);
    expect(response.body.error.details[0].reason).toMatch(reason);
    expect((await api(runtime, 'GET', path(ng, '/schedules'))).body.schedules).toEqual([]);
  });

  it('a schedule is deployed on EventBridge Scheduler, listed, and deleted from both', async () => {
    // Prepare
    const ng = await createNodegroup();
    const scheduler = new SchedulerClient(awsClientConfig());
    const name = deployedScheduleName({ cluster: ng.cluster, nodegroup: ng.name, name: 'weekday-morning' });

    // Act
    const created = await api(runtime, 'POST', path(ng, '/schedules'), {
      name: 'weekday-morning',
      schedule: 'cron(0 8 ? * MON-FRI *)',
      timezone: 'Europe/Berlin',
      desiredSize: 4,
    });
    const deployed = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    const listed = await api(runtime, 'GET', path(ng, '/schedules'));
    const deleted = await api(runtime, 'DELETE', path(ng, '/schedules/weekday-morning'));
    const gone = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })).catch((e) => e);

    // Assess
    expect(created.status).toBe(201);
    expect(deployed.ScheduleExpression).toBe('cron(0 8 ? * MON-FRI *)');
    expect(deployed.ScheduleExpressionTimezone).toBe('Europe/Berlin');
    expect(deployed.Target?.Arn).toBe(env.EKSFLOW_SCHEDULER_TARGET_ARN);
    expect(JSON.parse(deployed.Target?.Input ?? '{}')).toMatchObject({
      nodegroup: ng.name,
      schedule: 'weekday-morning',
    });
    expect(listed.body.schedules.map((s: { name: string }) => s.name)).toEqual(['weekday-morning']);
    expect(deleted.status).toBe(204);
    expect(gone.name).toBe('ResourceNotFoundException');
    expect((await api(runtime, 'GET', path(ng, '/schedules'))).body.schedules).toEqual([]);
  });

  it('fires at 09:00 New York time on both sides of the March daylight-saving change (14:00Z, then 13:00Z)', async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2 });
    const created = await api(runtime, 'POST', path(ng, '/schedules'), {
      name: 'morning',
      schedule: 'cron(0 9 * * ? *)',
      timezone: 'America/New_York',
      desiredSize: 6,
    });
    expect(created.status).toBe(201);

    // Act: the day before the change (EST, UTC-5) …
    const before = await advanceTo('2027-03-13T14:30:00Z');
    const first = await settled(ng);
    const scaledBack = await api(runtime, 'POST', path(ng, '/scale'), { desiredSize: 2 });
    await settled(ng);
    // … and the day after it (EDT, UTC-4).
    const after = await advanceTo('2027-03-14T14:30:00Z');
    const second = await settled(ng);

    // Assess
    const mine = (tick: { fired: { nodegroup: string; occurrence: string }[] }) =>
      tick.fired.filter((f) => f.nodegroup === ng.name).map((f) => f.occurrence);
    expect(mine(before)).toEqual(['2027-03-13T14:00:00.000Z']);
    expect(mine(after)).toEqual(['2027-03-14T13:00:00.000Z']);
    expect(first.desiredSize).toBe(6);
    expect(scaledBack.status).toBe(202);
    expect(second.desiredSize).toBe(6);
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 6 });
    const triggers = second.recentOperations.map((o: { requestedBy: string }) => o.requestedBy);
    expect(triggers).toEqual(['schedule/morning', 'arn:aws:iam::000000000000:user/eksflow-admin', 'schedule/morning']);
    // The same occurrence delivered again (a late or repeated Scheduler delivery) does nothing.
    const repeated = await runtime.invoke('scheduledScale', {
      cluster: ng.cluster,
      nodegroup: ng.name,
      schedule: 'morning',
      scheduledTime: '2027-03-14T13:00:00.000Z',
    });
    expect(repeated).toMatchObject({ started: false });
    expect((await view(ng)).recentOperations).toHaveLength(3);
  });

  it('a schedule that fires during a change waits for it, then sets its size on the sizes left', async () => {
    // Prepare: a slow change in flight
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds: 3 });
    await api(runtime, 'POST', path(ng, '/schedules'), { name: 'burst', schedule: 'rate(1 hour)', desiredSize: 8 });
    const inFlight = await api(runtime, 'POST', path(ng, '/scale'), { desiredSize: 4 });

    // Act: the schedule's occurrence comes while the change runs
    const tick = await advanceTo(new Date(runtime.clock.now().getTime() + 3_601_000).toISOString());
    const after = await eventually(
      'the waiting schedule to run',
      async () => {
        const v = await settled(ng);
        return v.recentOperations.length === 2 ? v : undefined;
      },
      30000,
    );

    // Assess
    expect(inFlight.status).toBe(202);
    const fired = tick.fired.find((f: { nodegroup: string }) => f.nodegroup === ng.name);
    expect(fired.outcome).toMatchObject({ started: false, waiting: true });
    expect(after.recentOperations.map((o: { requestedBy: string }) => o.requestedBy)).toEqual([
      'schedule/burst',
      'arn:aws:iam::000000000000:user/eksflow-admin',
    ]);
    expect(after.recentOperations[0].from).toMatchObject({ desiredSize: 4 });
    expect(after.desiredSize).toBe(8);
  });

  it('refuses a policy on an unknown alarm with 400 naming `alarm`, storing nothing', async () => {
    // Prepare
    const ng = await createNodegroup();

    // Act
    const response = await api(runtime, 'POST', path(ng, '/policies'), {
      name: 'up',
      alarm: 'no-such-alarm',
      adjustment: { type: 'change', value: 1 },
      cooldownSeconds: 60,
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { field: 'alarm', reason: 'CloudWatch has no alarm named no-such-alarm' },
    ]);
    expect((await api(runtime, 'GET', path(ng, '/policies'))).body.policies).toEqual([]);
  });

  it('an alarm delivered 5 times within the cooldown scales once; still in ALARM past the cooldown it scales again, up to max; OK does nothing', async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 6, desiredSize: 2 });
    const alarm = await createAlarm('OK');
    const created = await api(runtime, 'POST', path(ng, '/policies'), {
      name: 'step-up',
      alarm,
      adjustment: { type: 'change', value: 2 },
      cooldownSeconds: 600,
    });
    expect(created.status).toBe(201);

    // Act: ALARM, delivered by the alarm bridge and 5 more times at once
    await setAlarm(alarm, 'ALARM');
    const change = alarmStateChange(alarm, 'ALARM');
    await Promise.all(Array.from({ length: 5 }, () => runtime.deliverEvent(change)));
    const once = await eventually('the first scale-out to finish', async () => {
      const v = await settled(ng);
      return v.recentOperations.length ? v : undefined;
    });
    // past the cooldown, still in ALARM: the sweep scales again, then stops at max
    await advanceTo(new Date(runtime.clock.now().getTime() + 601_000).toISOString());
    const twice = await settled(ng);
    await advanceTo(new Date(runtime.clock.now().getTime() + 601_000).toISOString());
    const atMax = await settled(ng);
    // OK: no policy is bound to OK
    await setAlarm(alarm, 'OK');
    await runtime.deliverEvent(alarmStateChange(alarm, 'OK', 'ALARM'));
    const afterOk = await settled(ng);

    // Assess
    expect(once.recentOperations).toHaveLength(1);
    expect(once.desiredSize).toBe(4);
    expect(once.recentOperations[0].requestedBy).toBe('policy/step-up');
    expect(twice.recentOperations).toHaveLength(2);
    expect(twice.desiredSize).toBe(6);
    expect(atMax.recentOperations).toHaveLength(2);
    expect(afterOk.recentOperations).toHaveLength(2);
    expect(await emulatorNodegroup(ng)).toMatchObject({ desiredSize: 6, maxSize: 6 });
  });

  it('a policy bound to OK fires when the alarm recovers', async () => {
    // Prepare
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 6 });
    const alarm = await createAlarm('ALARM');
    await api(runtime, 'POST', path(ng, '/policies'), {
      name: 'calm-down',
      alarm,
      state: 'OK',
      adjustment: { type: 'exact', value: 2 },
      cooldownSeconds: 60,
    });

    // Act
    await setAlarm(alarm, 'OK');
    await runtime.deliverEvent(alarmStateChange(alarm, 'OK', 'ALARM'));
    const after = await eventually('the scale-in to finish', async () => {
      const v = await settled(ng);
      return v.recentOperations.length ? v : undefined;
    });

    // Assess
    expect(after.desiredSize).toBe(2);
    expect(after.recentOperations[0].requestedBy).toBe('policy/calm-down');
  });

  it('schedules and policies on an unknown node group are a 404 naming `nodegroup`', async () => {
    // Prepare
    const alarm = await createAlarm('OK');

    // Act
    const schedule = await api(runtime, 'POST', '/clusters/sandbox/nodegroups/no-such-group/schedules', {
      name: 's',
      schedule: 'rate(1 day)',
      desiredSize: 1,
    });
    const policy = await api(runtime, 'POST', '/clusters/sandbox/nodegroups/no-such-group/policies', {
      name: 'p',
      alarm,
      adjustment: { type: 'change', value: 1 },
      cooldownSeconds: 60,
    });

    // Assess
    expect([schedule.status, policy.status]).toEqual([404, 404]);
    expect(schedule.body.error.details).toEqual([{ field: 'nodegroup', reason: 'no such node group' }]);
    expect(policy.body.error.details).toEqual([{ field: 'nodegroup', reason: 'no such node group' }]);
  });

  it('the restricted identity may not add or delete schedules and policies (403), and nothing changes', async () => {
    // Prepare
    const ng = await createNodegroup();
    const alarm = await createAlarm('OK');
    const as = SANDBOX_RESTRICTED.principalArn;
    await api(runtime, 'POST', path(ng, '/schedules'), { name: 'kept', schedule: 'rate(1 day)', desiredSize: 3 });

    // Act
    const responses = await Promise.all([
      apiAs(as, runtime, 'POST', path(ng, '/schedules'), { name: 'x', schedule: 'rate(1 day)', desiredSize: 3 }),
      apiAs(as, runtime, 'DELETE', path(ng, '/schedules/kept')),
      apiAs(as, runtime, 'POST', path(ng, '/policies'), {
        name: 'x',
        alarm,
        adjustment: { type: 'exact', value: 5 },
        cooldownSeconds: 0,
      }),
    ]);

    // Assess
    expect(responses.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(
      (await api(runtime, 'GET', path(ng, '/schedules'))).body.schedules.map((s: { name: string }) => s.name),
    ).toEqual(['kept']);
    expect((await api(runtime, 'GET', path(ng, '/policies'))).body.policies).toEqual([]);
  });
});
