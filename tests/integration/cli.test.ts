import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { cliSandbox, eksflow } from '../helpers/cli-harness';
import { createAlarm, createApp, getRollout, waitForRollout } from '../helpers/rollout-fixtures';
import { api, awsClientConfig, eventually, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

/** The `eksflow` command against the real sandbox stack: exit codes a pipeline reads, output, errors. */
describe('eksflow CLI against the sandbox', () => {
  let runtime: TestRuntime;
  let sandbox: { dir: string; env: Record<string, string> };
  beforeAll(async () => {
    runtime = await startTestRuntime();
    sandbox = cliSandbox(runtime);
  });
  afterAll(async () => runtime?.close());

  const rolloutsOf = async (namespace: string) =>
    (await api(runtime, 'GET', `/rollouts?cluster=sandbox&namespace=${namespace}&deployment=web`)).body.rollouts;

  it('rollouts start --wait exits 0 when the rollout is Promoted', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });

    // Act
    const run = await eksflow(
      ['rollouts', 'start', 'web', '-n', app.namespace, '--image', 'nginx:2', '--canary', '50', '--wait'],
      sandbox,
    );

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/web Promoted/);
    const [rollout] = await rolloutsOf(app.namespace);
    expect(rollout.status).toBe('Promoted');
    expect(run.stderr).toBe(`rollout ${rollout.id} started\n`);
  });

  it('rollouts retry starts an aborted release again as a new rollout that runs to Promoted', async () => {
    // Prepare: a canary aborted at its pause
    const app = await createApp({ replicas: 4 });
    await eksflow(
      ['rollouts', 'start', 'web', '-n', app.namespace, '--image', 'nginx:2', '--canary', '50,pause'],
      sandbox,
    );
    const [first] = await rolloutsOf(app.namespace);
    await waitForRollout(runtime, first.id, (r) => r.status === 'Paused');
    await eksflow(['rollouts', 'abort', first.id, '--reason', 'flaky'], sandbox);
    await waitForRollout(runtime, first.id, (r) => r.status === 'Aborted');

    // Act
    const run = await eksflow(['rollouts', 'retry', first.id, '-o', 'json'], sandbox);
    const retried = JSON.parse(run.stdout);
    await waitForRollout(runtime, retried.id, (r) => r.status === 'Paused');
    const promoted = await eksflow(['rollouts', 'promote', retried.id], sandbox);
    const done = await waitForRollout(runtime, retried.id, (r) => r.status === 'Promoted');
    const again = await eksflow(['rollouts', 'retry', retried.id], sandbox);

    // Assess: a new rollout of the same release, pointing back; a Promoted one is not retried
    expect(run.code).toBe(0);
    expect(retried).toMatchObject({ retryOf: first.id, status: 'Progressing' });
    expect(retried.id).not.toBe(first.id);
    expect(promoted.code).toBe(0);
    expect(done).toMatchObject({ retryOf: first.id, image: 'nginx:2' });
    expect(done.history[0].message).toContain(`retry of ${first.id}`);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is Promoted: only an Aborted or Failed rollout is retried/);
    const history = await api(runtime, 'GET', `/rollouts/${retried.id}/history?limit=2`);
    expect(history.status).toBe(200);
    expect(history.body.history.map((h: { type: string }) => h.type)).toEqual(['Started', done.history[1].type]);
    const rest = await api(
      runtime,
      'GET',
      `/rollouts/${retried.id}/history?limit=200&nextToken=${encodeURIComponent(history.body.nextToken)}`,
    );
    expect([...history.body.history, ...rest.body.history]).toEqual(done.history);
    expect(rest.body.nextToken).toBeUndefined();
  });

  it('rollouts watch exits 1 with the reason when an alarm aborts the rollout (guarded by --alarm at start)', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });
    const alarm = await createAlarm('OK');
    const started = await eksflow(
      ['rollouts', 'start', 'web', '-n', app.namespace, '--image', 'nginx:2', '--canary', '25,pause', '--alarm', alarm],
      sandbox,
    );
    const [paused] = await rolloutsOf(app.namespace);

    // Act
    const watching = eksflow(['rollouts', 'watch', paused.id, '--timeout', '60s'], sandbox);
    await waitForRollout(runtime, paused.id, (r) => r.status === 'Paused');
    const set = await eksflow(['sandbox', 'alarm', alarm, '--state', 'ALARM'], sandbox);
    const run = await watching;

    // Assess
    expect(started.code).toBe(0);
    expect(set.code).toBe(0);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^error: rollout Aborted: .*${alarm}`));
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/web Aborted .* reason: /);
    expect((await getRollout(runtime, paused.id)).status).toBe('Aborted');
  });

  it('an alarm set with --wait running: start … --alarm … --wait exits 1', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });
    const alarm = await createAlarm('OK');
    const args = ['rollouts', 'start', 'web', '-n', app.namespace, '--image', 'nginx:2'];

    // Act
    const waiting = eksflow([...args, '--canary', '25,pause', '--alarm', alarm, '--wait', '--timeout', '60s'], sandbox);
    const id = await eventually('the rollout to pause', async () => {
      const [r] = await rolloutsOf(app.namespace);
      return r?.status === 'Paused' ? (r.id as string) : undefined;
    });
    await eksflow(['sandbox', 'alarm', alarm, '--state', 'ALARM'], sandbox);
    const run = await waiting;

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rollout Aborted');
    expect((await getRollout(runtime, id)).abort.alarm).toBe(alarm);
  });

  it('exits 2 on bad usage, naming the flag or the field, and starts nothing', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const file = path.join(sandbox.dir, 'bad-rollout.json');
    writeFileSync(
      file,
      JSON.stringify({
        namespace: app.namespace,
        deployment: 'web',
        image: 'nginx:2',
        progressDeadlineSeconds: 'soon',
        canary: { steps: [{ setWeight: 10 }] },
      }),
    );

    // Act
    const badFlag = await eksflow(
      ['rollouts', 'start', 'web', '-n', app.namespace, '--canary', '10,150', '--wait'],
      sandbox,
    );
    const badField = await eksflow(['rollouts', 'start', '-f', file, '--wait'], sandbox);
    const unknownOption = await eksflow(['rollouts', 'start', 'web', '--colour', 'blue'], sandbox);

    // Assess
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toBe('error: --canary: weight 150 is above 100\n');
    expect(badField.code).toBe(2);
    expect(badField.stderr).toMatch(/\(400 ValidationError\)\n {2}progressDeadlineSeconds: /);
    expect(badField.stderr).not.toMatch(/\n\s+at /);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--colour'");
    expect(await rolloutsOf(app.namespace)).toEqual([]);
  });

  it('--timeout ends the wait with exit 1; abort then takes the rollout back to stable', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });

    // Act
    const timedOut = await eksflow(
      [
        'rollouts',
        'start',
        'web',
        '-n',
        app.namespace,
        '--image',
        'nginx:2',
        '--canary',
        '50,pause',
        '--wait',
        '--timeout',
        '1s',
      ],
      sandbox,
    );
    const aborted = await eksflow(['rollouts', 'abort', 'web', '-n', app.namespace, '--reason', 'by hand'], sandbox);
    const watched = await eksflow(['rollouts', 'watch', 'web', '-n', app.namespace], sandbox);

    // Assess
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/error: timed out after \d+s: rollout .* is still (Progressing|Paused)/);
    expect(aborted.code).toBe(0);
    expect(aborted.stdout).toMatch(/aborting/);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toBe('error: rollout Aborted: by hand\n');
  });

  it('start, watch until paused, get, list, promote, watch to the end: the whole canary from the CLI', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });
    const alarm = await createAlarm('OK');
    const target = ['-n', app.namespace];

    // Act
    const started = await eksflow(
      ['rollouts', 'start', 'web', ...target, '--image', 'nginx:2', '--canary', '25,pause,50', '--alarm', alarm],
      sandbox,
    );
    const untilPaused = await eksflow(['rollouts', 'watch', 'web', ...target, '--until-paused'], sandbox);
    const got = await eksflow(['rollouts', 'get', 'web', ...target], sandbox);
    const listed = await eksflow(['rollouts', 'list', '--cluster', 'sandbox', ...target, '-o', 'json'], sandbox);
    const promoted = await eksflow(['rollouts', 'promote', 'web', ...target, '--step', '1'], sandbox);
    const id = JSON.parse(listed.stdout).rollouts[0].id;
    const finished = await eksflow(['rollouts', 'watch', id], sandbox);
    const yaml = await eksflow(['rollouts', 'get', id, '-o', 'yaml'], sandbox);

    // Assess
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^rollout [0-9a-f-]{36} started \(Progressing\)\n$/);
    expect(untilPaused.code).toBe(0);
    expect(untilPaused.stdout.trim().split('\n').at(-1)).toMatch(
      new RegExp(`web Paused step 1/3 pause \\(until promoted\\) weights 25/75 ready 1/1\\+3/3 alarms ${alarm}=OK$`),
    );
    expect(got.stdout).toContain('▶ 1  pause (until promoted)');
    expect(got.stdout).toContain('✔ 0  setWeight 25');
    expect(got.stdout).toContain('Replicas  canary 1/1 ready   stable 3/3 ready');
    expect(got.stdout).toContain(`Alarms    ${alarm} OK`);
    expect(promoted.code).toBe(0);
    expect(finished.code).toBe(0);
    expect(finished.stdout.trim().split('\n').at(-1)).toMatch(/web Promoted Done weights 100\/0/);
    expect(yaml.stdout).toMatch(/^id: [0-9a-f-]{36}\n/);
    expect(yaml.stdout).toContain('status: Promoted');
  });

  it('GET /rollouts/{id}/live: replicas of each side and alarm states; the restricted identity is refused', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });
    const alarm = await createAlarm('OK');
    await eksflow(
      ['rollouts', 'start', 'web', '-n', app.namespace, '--image', 'nginx:2', '--canary', '50,pause', '--alarm', alarm],
      sandbox,
    );
    const [r] = await rolloutsOf(app.namespace);
    await waitForRollout(runtime, r.id, (x) => x.status === 'Paused');

    // Act
    const live = await api(runtime, 'GET', `/rollouts/${r.id}/live`);
    const refused = await api(runtime, 'GET', `/rollouts/${r.id}/live`, undefined, { as: 'restricted' });

    // Assess
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({
      stable: { desired: 2, ready: 2 },
      canary: { desired: 2, ready: 2 },
      alarms: { [alarm]: 'OK' },
    });
    // A rollout the caller may not read is a 404, as if absent (issue 16).
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('NotFound');
    expect((await getRollout(runtime, r.id)).status).toBe('Paused');
  });

  it('sandbox alarm creates a missing alarm on the emulator and sets its state', async () => {
    // Prepare
    const name = uniqueName('cli-alarm');

    // Act
    const run = await eksflow(['sandbox', 'alarm', name, '--state', 'INSUFFICIENT_DATA'], sandbox);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`alarm ${name} created, now INSUFFICIENT_DATA\n`);
    const found = await new CloudWatchClient(awsClientConfig()).send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    expect(found.MetricAlarms?.[0]?.StateValue).toBe('INSUFFICIENT_DATA');
  });

  it("prints the API's message and field for an unknown rollout, never a stack trace (exit 1)", async () => {
    // Act
    const run = await eksflow(['rollouts', 'get', '00000000-0000-4000-8000-000000000000'], sandbox);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: rollout 00000000-0000-4000-8000-000000000000 not found (404 NotFound)\n  id: no such rollout\n',
    );
  });
});
