import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram, runCli } from '../../../cli/program';
import { buildRolloutStart } from '../../../cli/requests/rollouts';
import { sigV4Verifier } from '../../../local/sigv4-verifier';
import { defined } from '../../helpers/defined';

/**
 * The CLI end to end against a scripted API answering in the real routes' shapes (tests/integration/cli*.test.ts
 * run the same commands on the sandbox): each request is checked for its SigV4 signature as the sandbox does.
 */
interface Seen {
  method: string;
  path: string;
  body: unknown;
  signedBy?: string;
  idempotencyKey?: string;
}
type Script = (seen: Seen) => { status: number; body?: unknown };

const KEYS = { accessKeyId: 'cli-test', secretAccessKey: 'cli-secret', principalArn: 'arn:aws:iam::1:user/cli' };
const verify = sigV4Verifier({ region: 'us-east-1', identities: [KEYS] });

async function fakeApi(script: Script) {
  const seen: Seen[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const caller = await verify({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: raw,
    }).catch(() => undefined);
    const entry = {
      method: req.method ?? '',
      path: url.pathname + url.search,
      body: raw.length ? JSON.parse(raw.toString()) : undefined,
      signedBy: caller?.principalArn,
      idempotencyKey: headers['idempotency-key'],
    };
    seen.push(entry);
    const answer = script(entry);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-cli-unit-'));
  mkdirSync(path.join(dir, '.sandbox'));
  writeFileSync(
    path.join(dir, '.sandbox', 'env'),
    `AWS_REGION=us-east-1\nAWS_ACCESS_KEY_ID=${KEYS.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${KEYS.secretAccessKey}\n`,
  );
  const run = async (args: string[], tty = false) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (s: string) => (stdout += s), isTTY: tty },
      stderr: { write: (s: string) => (stderr += s) },
      env: { PORT: String(port) },
      cwd: dir,
      now: () => new Date(),
      sleep: async () => undefined,
    });
    return { code, stdout, stderr };
  };
  return { seen, run, dir, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

describe('eksflow command line', () => {
  it('eksflow and every command have --help with an example, and exit 0', async () => {
    // Prepare
    const { program } = buildProgram({
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: {},
      cwd: '/',
      now: () => new Date(),
      sleep: async () => undefined,
    });
    const leaves = [program, ...allCommands(program)];
    const pathOf = (c: Command): string[] => (c.parent ? [...pathOf(c.parent), c.name()] : []);

    // Act
    const helps = await Promise.all(
      leaves.map(async (c) => {
        let out = '';
        const code = await runCli([...pathOf(c), '--help'], {
          stdout: { write: (s: string) => (out += s) },
          stderr: { write: () => true },
          env: {},
          cwd: '/',
          now: () => new Date(),
          sleep: async () => undefined,
        });
        return { name: pathOf(c).join(' '), code, out };
      }),
    );

    // Assess
    expect(helps.length).toBeGreaterThanOrEqual(32);
    for (const help of helps) {
      expect({ name: help.name, code: help.code }).toEqual({ name: help.name, code: 0 });
      expect({ name: help.name, example: /Examples?:\n\s+\$ eksflow /.test(help.out) }).toEqual({
        name: help.name,
        example: true,
      });
    }
  });

  it('every flag is described, and each example runs its own command with flags that command takes', async () => {
    // Prepare
    const io = {
      stderr: { write: () => true },
      env: {},
      cwd: '/',
      now: () => new Date(),
      sleep: async () => undefined,
    };
    const { program } = buildProgram({ ...io, stdout: { write: () => true } });
    const leaves = allCommands(program).filter((c) => c.commands.length === 0);
    const pathOf = (c: Command): string => (c.parent?.parent ? `${pathOf(c.parent)} ${c.name()}` : c.name());
    const flagsOf = (c: Command | null): (string | undefined)[] =>
      c ? [...c.options.flatMap((o) => [o.long, o.short]), ...flagsOf(c.parent)] : [];

    // Act
    const problems: string[] = [];
    for (const c of leaves) {
      let help = '';
      await runCli([...pathOf(c).split(' '), '--help'], { ...io, stdout: { write: (t: string) => (help += t) } });
      for (const o of c.options) if (!o.description) problems.push(`${pathOf(c)} ${o.flags}: no description`);
      const examples = help
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('$ eksflow '));
      for (const line of examples) {
        if (!`${line} `.startsWith(`$ eksflow ${pathOf(c)} `)) problems.push(`${line}: not an example of ${pathOf(c)}`);
        const unknown = (line.match(/(?<=\s)--?[a-zA-Z][\w-]*/g) ?? []).filter((f) => !flagsOf(c).includes(f));
        if (unknown.length) problems.push(`${line}: ${unknown.join(' ')} not a flag of ${pathOf(c)}`);
        // A lone `--` ends the flags: a flag's value after it (`--delta -- -2`) would be read as `--`.
        if (line.split(' ').includes('--')) problems.push(`${line}: a lone -- ends the flags`);
      }
    }

    // Assess
    expect(leaves.length).toBeGreaterThanOrEqual(24);
    expect(problems).toEqual([]);
  });

  it('clusters create -f reads YAML, posts the spec signed with the sandbox keys, prints the operation', async () => {
    // Prepare
    const api = await fakeApi(() => ({ status: 202, body: { operationId: 'op-1', cluster: { name: 'prod-1' } } }));
    writeFileSync(
      path.join(api.dir, 'prod-1.yaml'),
      'name: prod-1\nnodegroups:\n  - {name: general, desiredSize: 3}\n',
    );

    // Act
    const result = await api.run(['clusters', 'create', '-f', 'prod-1.yaml']);
    await api.close();

    // Assess
    expect(result).toEqual({ code: 0, stdout: 'operation op-1 started\n', stderr: '' });
    expect(api.seen).toEqual([
      {
        method: 'POST',
        path: '/clusters',
        body: { name: 'prod-1', nodegroups: [{ name: 'general', desiredSize: 3 }] },
        signedBy: KEYS.principalArn,
        idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
  });

  it('clusters create: a dry run prints the plan; a spec already in place (200 changed:false) is no operation to wait for', async () => {
    // Prepare
    const plan = [
      { resource: 'controlPlane', name: 'prod-1', action: 'unchanged' },
      { resource: 'nodegroup', name: 'general', action: 'update', changes: ['desiredSize'] },
    ];
    const api = await fakeApi((seen) =>
      seen.path.includes('dryRun')
        ? { status: 200, body: { plan } }
        : {
            status: 200,
            body: { cluster: { name: 'prod-1', status: 'ACTIVE' }, changed: false, message: 'prod-1 matches', plan },
          },
    );
    writeFileSync(path.join(api.dir, 'prod-1.json'), '{"name": "prod-1"}');

    // Act
    const dryRun = await api.run(['clusters', 'create', '-f', 'prod-1.json', '--dry-run']);
    const unchanged = await api.run(['clusters', 'create', '-f', 'prod-1.json', '--wait']);
    await api.close();

    // Assess
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout.split('\n')).toEqual([
      'ACTION     RESOURCE      NAME     CHANGES',
      'unchanged  controlPlane  prod-1   ',
      'update     nodegroup     general  desiredSize',
      '',
    ]);
    expect(unchanged).toEqual({ code: 0, stdout: 'prod-1 matches\n', stderr: '' });
    expect(api.seen.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /clusters?dryRun=true', 'POST /clusters']);
  });

  it('nodegroups scale --wait follows the operation: 0 when it succeeds, 1 with the error when it fails', async () => {
    // Prepare
    const outcomes = ['Succeeded', 'Failed'];
    const results = [];
    for (const outcome of outcomes) {
      let polls = 0;
      const api = await fakeApi((seen) => {
        if (seen.method === 'POST')
          return {
            status: 202,
            body: {
              operationId: 'op-9',
              from: { minSize: 1, desiredSize: 3, maxSize: 10 },
              to: { minSize: 1, desiredSize: 5, maxSize: 10 },
            },
          };
        polls += 1;
        const done = polls >= 3;
        return {
          status: 200,
          body: {
            id: 'op-9',
            kind: 'ScaleNodegroup',
            cluster: 'prod-1',
            status: done ? outcome : 'Running',
            steps: [
              { name: 'Requested', at: new Date().toISOString() },
              ...(done ? [{ name: 'Done', at: new Date().toISOString() }] : []),
            ],
            error: done && outcome === 'Failed' ? { code: 'ScaleFailed', message: 'no capacity' } : undefined,
            createdAt: new Date().toISOString(),
            updatedAt: new Date().toISOString(),
          },
        };
      });

      // Act
      results.push({
        run: await api.run(['nodegroups', 'scale', 'prod-1', 'general', '--desired-size', '5', '--wait']),
        seen: api.seen,
      });
      await api.close();
    }

    // Assess
    const [ok, failed] = results;
    expect(ok?.run.code).toBe(0);
    expect(ok?.seen[0]).toMatchObject({
      method: 'POST',
      path: '/clusters/prod-1/nodegroups/general/scale',
      body: { desiredSize: 5 },
    });
    expect(ok?.run.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^ScaleNodegroup prod-1 {2}Running {2}step 1 Requested {2}0s$/),
      expect.stringMatching(/^ScaleNodegroup prod-1 {2}Succeeded {2}step 2 Done {2}0s$/),
    ]);
    expect(ok?.run.stderr).toBe('operation op-9 started: min/desired/max 1/3/10 → 1/5/10\n');
    expect(failed?.run.code).toBe(1);
    expect(failed?.run.stderr).toContain('error: operation Failed: ScaleFailed: no capacity');
  });

  it('schedules and policies: add, list and rm call the contract routes', async () => {
    // Prepare: the answers' shapes are the routes' (201 the record, 200 {schedules|policies|nodegroups}, 204, 202).
    const api = await fakeApi((seen) => {
      if (seen.method === 'DELETE' && seen.path.startsWith('/clusters/prod-1?'))
        return { status: 202, body: { operationId: 'op-d', plan: [] } };
      if (seen.method === 'DELETE') return { status: 204 };
      if (seen.method === 'POST') return { status: 201, body: { ...(seen.body as object), cluster: 'prod-1' } };
      const list = seen.path.split('/').at(-1) as string;
      return { status: 200, body: { [list]: [] } };
    });

    // Act
    const runs = [
      await api.run([
        'schedules',
        'add',
        'prod-1',
        'general',
        '--name',
        'night',
        '--schedule',
        'rate(1 day)',
        '--desired-size',
        '1',
      ]),
      await api.run(['schedules', 'list', 'prod-1', 'general', '-o', 'json']),
      await api.run(['schedules', 'rm', 'prod-1', 'general', 'night']),
      await api.run([
        'policies',
        'add',
        'prod-1',
        'general',
        '--name',
        'p',
        '--alarm',
        'cpu',
        '--adjustment',
        'change',
        '--value',
        '2',
      ]),
      await api.run(['policies', 'list', 'prod-1', 'general']),
      await api.run(['policies', 'rm', 'prod-1', 'general', 'p']),
      await api.run(['clusters', 'delete', 'prod-1', '--force']),
      await api.run(['nodegroups', 'get', 'prod-1']),
    ];
    await api.close();

    // Assess
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(JSON.parse(defined(runs[1]?.stdout, 'runs[1]?.stdout'))).toEqual({ schedules: [] });
    expect(runs.map((r) => r.stdout.trim())).toEqual([
      'schedule night added',
      expect.any(String),
      'schedule night removed',
      'policy p added',
      'NAME  ALARM  ON  ADJUSTMENT  VALUE  COOLDOWN  LAST FIRED',
      'policy p removed',
      'operation op-d started',
      'NODEGROUP  STATUS  MIN  DESIRED  MAX  INSTANCE TYPES',
    ]);
    expect(api.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /clusters/prod-1/nodegroups/general/schedules',
      'GET /clusters/prod-1/nodegroups/general/schedules',
      'DELETE /clusters/prod-1/nodegroups/general/schedules/night',
      'POST /clusters/prod-1/nodegroups/general/policies',
      'GET /clusters/prod-1/nodegroups/general/policies',
      'DELETE /clusters/prod-1/nodegroups/general/policies/p',
      'DELETE /clusters/prod-1?force=true',
      'GET /clusters/prod-1/nodegroups',
    ]);
    expect(api.seen[0]?.body).toEqual({ name: 'night', schedule: 'rate(1 day)', timezone: 'UTC', desiredSize: 1 });
    expect(api.seen.every((s) => s.signedBy === KEYS.principalArn)).toBe(true);
  });

  it('an API refusal prints its message and fields (exit 1; 400 is bad usage, exit 2); -o xml is bad usage', async () => {
    // Prepare
    const api = await fakeApi((seen) =>
      seen.path.includes('scale')
        ? {
            status: 409,
            body: {
              error: {
                code: 'Conflict',
                message: 'a scaling operation is running',
                details: [{ field: 'nodegroup', reason: 'held by op-7' }],
              },
            },
          }
        : {
            status: 400,
            body: {
              error: {
                code: 'ValidationError',
                message: 'bad spec',
                details: [{ field: 'name', reason: 'is required' }],
              },
            },
          },
    );
    writeFileSync(path.join(api.dir, 'empty.json'), '{}');

    // Act
    const conflict = await api.run(['nodegroups', 'scale', 'c', 'n', '--delta', '-1', '--protect-pending']);
    const invalid = await api.run(['clusters', 'create', '-f', 'empty.json']);
    const badFormat = await api.run(['rollouts', 'list', '-o', 'xml']);
    await api.close();

    // Assess
    expect(conflict).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: a scaling operation is running (409 Conflict)\n  nodegroup: held by op-7\n',
    });
    expect(api.seen[0]?.body).toEqual({ delta: -1, protectPending: true });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toBe('error: bad spec (400 ValidationError)\n  name: is required\n');
    expect(badFormat).toEqual({ code: 2, stdout: '', stderr: 'error: -o: "xml" is not one of table, json, yaml\n' });
  });

  it('rollouts start: flags become the POST /rollouts body (--no-data takes a value, absent it is left out)', async () => {
    // Prepare
    const api = await fakeApi(() => ({ status: 202, body: { id: 'r-1', status: 'Progressing' } }));

    // Act
    const withPolicy = await api.run([
      'rollouts',
      'start',
      'web',
      '--image',
      'nginx:2',
      '--canary',
      '10,pause',
      '--alarm',
      'a',
      '--no-data',
      'pass',
    ]);
    const without = await api.run([
      'rollouts',
      'start',
      'web',
      '-n',
      'team-a',
      '--image',
      'nginx:2',
      '--blue-green',
      'web',
      '--alarm',
      'a',
      '-o',
      'json',
    ]);
    await api.close();

    // Assess
    expect(withPolicy).toEqual({ code: 0, stdout: 'rollout r-1 started (Progressing)\n', stderr: '' });
    // The bodies the request builder makes from these options (its own tests, requests.test.ts, spell them out):
    // what is checked here is how the flags reach it, `--no-data`'s value included and its absence left out.
    expect(api.seen[0]?.body).toEqual(
      buildRolloutStart({ deployment: 'web', image: 'nginx:2', canary: '10,pause', alarm: ['a'], noData: 'pass' }).body,
    );
    expect(JSON.parse(without.stdout)).toEqual({ id: 'r-1', status: 'Progressing' });
    expect(api.seen[1]?.body).toEqual(
      buildRolloutStart({ deployment: 'web', namespace: 'team-a', image: 'nginx:2', blueGreen: 'web', alarm: ['a'] })
        .body,
    );
    expect(api.seen[1]?.body).not.toHaveProperty('blueGreen.analysis.noData');
  });

  it('retries a GET, a promote and a start after 503/429: each POST carries one Idempotency-Key on all its attempts', async () => {
    // Prepare
    const failures = new Map<string, number>();
    const api = await fakeApi((seen) => {
      const key = `${seen.method} ${seen.path.split('?')[0]}`;
      const failed = failures.get(key) ?? 0;
      if (failed < 2) {
        failures.set(key, failed + 1);
        return { status: failed === 0 ? 503 : 429, body: { error: { code: 'Busy', message: 'try again' } } };
      }
      return {
        status: 200,
        body: seen.method === 'GET' ? { rollouts: [] } : { id: 'x', status: 'Paused', phase: 'Steps' },
      };
    });
    const id = '3f0c2d1e-0000-4000-8000-000000000001';

    // Act
    const listed = await api.run(['rollouts', 'list']);
    const promoted = await api.run(['rollouts', 'promote', id]);
    const started = await api.run(['rollouts', 'start', 'web', '--image', 'nginx:2', '--canary', '50']);
    await api.close();

    // Assess
    expect(listed.code).toBe(0);
    expect(promoted.code).toBe(0);
    expect(started.code).toBe(0);
    const sent = (key: string) => api.seen.filter((s) => `${s.method} ${s.path.split('?')[0]}` === key);
    expect(sent('GET /rollouts')).toHaveLength(3);
    expect(sent(`POST /rollouts/${id}/promote`)).toHaveLength(3);
    // The API does a keyed start once however often it arrives: the retries are safe.
    const starts = sent('POST /rollouts');
    expect(starts).toHaveLength(3);
    expect(new Set(starts.map((s) => s.idempotencyKey)).size).toBe(1);
    expect(starts[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rollouts watch redraws in place on a TTY (cursor up, clear) and prints one line per change without one', async () => {
    // Prepare
    let polls = 0;
    const id = '3f0c2d1e-0000-4000-8000-000000000001';
    const api = await fakeApi((seen) => {
      if (seen.path.endsWith('/live')) return { status: 200, body: { alarms: {}, stable: { desired: 2, ready: 2 } } };
      polls += 1;
      const done = polls >= 4;
      return {
        status: 200,
        body: {
          id,
          cluster: 'sandbox',
          namespace: 'default',
          deployment: 'web',
          strategy: 'canary',
          status: done ? 'Promoted' : 'Progressing',
          phase: done ? 'Done' : 'Steps',
          currentStepIndex: done ? 1 : 0,
          steps: [{ setWeight: 50 }],
          weights: done ? { canary: 100, stable: 0 } : { canary: 0, stable: 100 },
          alarms: [],
          history: [],
          createdAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
          finishedAt: done ? new Date().toISOString() : undefined,
        },
      };
    });

    // Act
    const result = await api.run(['rollouts', 'watch', id], true);
    polls = 0;
    const piped = await api.run(['rollouts', 'watch', id], false);
    await api.close();

    // Assess
    expect(result.code).toBe(0);
    const frames = result.stdout.split('\x1b[0J');
    expect(frames).toHaveLength(5);
    expect(frames[1]?.endsWith(`${String.fromCharCode(27)}[${frames[1]?.split('\n').length - 1}A\r`)).toBe(true);
    expect(frames[1]).toContain('◌ Progressing');
    expect(frames[4]).toContain('✔ Promoted');
    // Without a TTY: one line per change, not one per poll (three polls saw the same state).
    expect(piped.code).toBe(0);
    expect(piped.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d web Progressing step 0\/1 setWeight 50 weights 0\/100 ready 0\/0\+2\/2$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d web Promoted Done weights 100\/0 ready 0\/0\+2\/2$/),
    ]);
  });

  it('doctor prints one line per check with the fix under a failure: exit 0 when all pass, 1 otherwise', async () => {
    // Prepare
    const line = (check: string, status: string, detail: string, fix?: string) => ({ check, status, detail, fix });
    let ok = true;
    const api = await fakeApi(() => ({
      status: 200,
      body: {
        ok,
        clusters: [
          {
            cluster: 'prod',
            ok,
            checks: ok
              ? [line('describe-cluster', 'pass', 'prod is ACTIVE')]
              : [
                  line(
                    'endpoint-reach',
                    'fail',
                    'cannot reach https://prod:443: connect timed out',
                    'place the functions in its VPC',
                  ),
                  line('token', 'skip', 'not checked: endpoint-reach failed'),
                ],
          },
        ],
      },
    }));

    // Act
    const passing = await api.run(['doctor', '--cluster', 'prod']);
    ok = false;
    const failing = await api.run(['doctor']);
    await api.close();

    // Assess
    expect(api.seen.map((s) => [s.path, s.signedBy])).toEqual([
      ['/doctor?cluster=prod', KEYS.principalArn],
      ['/doctor', KEYS.principalArn],
    ]);
    expect(passing).toEqual({ code: 0, stdout: 'prod  ok    describe-cluster  prod is ACTIVE\n', stderr: '' });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toBe(
      [
        'prod  FAIL  endpoint-reach    cannot reach https://prod:443: connect timed out',
        '    fix: place the functions in its VPC',
        'prod  skip  token             not checked: endpoint-reach failed',
        '',
      ].join('\n'),
    );
    expect(failing.stderr).toBe('error: doctor: a check failed (see its fix)\n');
  });
});
