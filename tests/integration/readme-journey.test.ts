import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../local/runtime';
import { cliSandbox } from '../helpers/cli-harness';
import { defined } from '../helpers/defined';
import { api, kube, startTestRuntime, type TestRuntime } from '../helpers/stack';

/** The README's user journey, each command run exactly as written (bash, from the repository root). */
const JOURNEY_INTRO = 'With `npm start` running, in a second terminal';
/** Commands that serve until Ctrl-C: run until they print this, then stopped as Ctrl-C would. */
const SERVES_UNTIL_STOPPED = /^npx eksflow dashboard\b/;

function journeyCommands(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const intro = readme.indexOf(JOURNEY_INTRO);
  const start = readme.indexOf('```sh\n', intro) + '```sh\n'.length;
  const block = readme.slice(start, readme.indexOf('\n```', start));
  return block.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
}

function run(
  command: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      // A server: once it says where it is, stop it as Ctrl-C would (its whole process group: npx, node).
      if (SERVES_UNTIL_STOPPED.test(command) && /open http:\/\/127\.0\.0\.1:\d+\/ui\/#session=/.test(stdout))
        process.kill(-defined(child.pid, 'child.pid'), 'SIGINT');
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 130 : null), stdout, stderr }));
  });
}

describe('README: the user journey with npx eksflow', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.close());

  it('deploys, starts a canary, watches, promotes, and an alarm rolls the next one back: each exit code as commented', async () => {
    // Prepare
    const { env } = cliSandbox(runtime);
    const commands = journeyCommands();

    // Act
    const results = [];
    for (const command of commands) {
      const result = await run(command, env);
      results.push({ command, ...result });
      const expected = SERVES_UNTIL_STOPPED.test(command) ? 130 : /exits 1/.test(command) ? 1 : 0;
      if (result.code !== expected)
        throw new Error(`${command}\n→ exit ${result.code} (expected ${expected})\n${result.stdout}\n${result.stderr}`);
    }
    const list = await api(runtime, 'GET', '/rollouts?cluster=sandbox&namespace=default&deployment=web');
    const web = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });

    // Assess
    expect(commands.length).toBeGreaterThanOrEqual(10);
    expect(commands.every((c) => c.startsWith('npx eksflow '))).toBe(true);
    expect(list.body.rollouts.map((r: { image: string; status: string }) => [r.image, r.status])).toEqual([
      ['nginx:3', 'Aborted'],
      ['nginx:2', 'Promoted'],
    ]);
    expect(list.body.rollouts[0].abort.alarm).toBe('web-5xx-rate');
    expect(web.spec?.template.spec?.containers[0]?.image).toBe('nginx:2');
    const watchedPromotion = results.find((r) => /exits 0: Promoted/.test(r.command));
    expect(watchedPromotion?.stdout).toMatch(/web Promoted/);
    const watchedAbort = results.find((r) => /exits 1/.test(r.command));
    expect(watchedAbort?.stderr).toMatch(/error: rollout Aborted: .*web-5xx-rate/);
  }, 240000);
});
