import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../../local/chromium';
import { REPO_ROOT } from '../../local/runtime';
import { SANDBOX_CREDENTIALS } from '../../local/sandbox/sandbox';
import { SESSION_HEADER, startDashboard } from '../../ui/serve';
import { cliSandbox, eksflow } from '../helpers/cli-harness';
import { deleteClustersMade, operationDone, track } from '../helpers/cluster-fixtures';
import { canaryRequest, createAlarm, createApp, getRollout, waitForRollout } from '../helpers/rollout-fixtures';
import { api, eventually, startTestRuntime, type TestRuntime, testStack, uniqueName } from '../helpers/stack';

/** Screenshots for people to look at after a run (gitignored). */
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

describe('dashboard in headless Chromium', () => {
  let runtime: TestRuntime;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    dashboard = await startDashboard({
      apiUrl: runtime.url,
      signing: { region: testStack().region, credentials: SANDBOX_CREDENTIALS },
      port: 0,
    });
    // An installed Chromium, else the one @sparticuz/chromium ships (local/chromium.ts).
    browser = await chromium.launch(await chromiumLaunchOptions(REPO_ROOT));
  }, 60000);
  afterAll(async () => {
    await deleteClustersMade();
    await browser?.close();
    await dashboard?.close();
    await runtime?.close();
  });

  it('shows a running rollout (steps, weights, alarm, chart); promote moves it on, abort takes it back, each confirmed', async () => {
    // Prepare
    const app = await createApp({ replicas: 4 });
    const alarm = await createAlarm('OK');
    const started = await api(
      runtime,
      'POST',
      '/rollouts',
      canaryRequest(app, [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }], {
        analysis: { alarms: [alarm] },
        image: 'nginx:2',
      }),
    );
    await waitForRollout(runtime, started.body.id, (r) => r.status === 'Paused');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // Act
    await page.goto(dashboard.url);
    const status = page.getByTestId('rollout-status');
    await status.getByText('Paused').waitFor();
    await page.getByTestId('alarm').getByText(`${alarm}: OK`).waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-paused.png'), fullPage: true });
    const current = await page.locator('[data-testid=steps] li.current').textContent();
    const chartCanvas = await page.getByTestId('weights-chart').locator('canvas').count();
    await page.getByTestId('promote').click();
    await page.getByTestId('confirm').waitFor();
    await page.getByTestId('confirm-yes').click();
    const moved = await waitForRollout(
      runtime,
      started.body.id,
      (r) => r.currentStepIndex >= 3 && r.status === 'Paused',
    );
    await page.locator('[data-testid=steps] li.current').getByText('pause (promote)').waitFor();
    await eventually('the page to show the third step done', async () =>
      (await page.locator('[data-testid=steps] li.done').count()) === 3 ? true : undefined,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-promoted.png'), fullPage: true });
    await page.getByTestId('abort').click();
    await page.getByRole('dialog').getByText('go back to stable?').waitFor();
    await page.getByTestId('confirm-yes').click();
    const aborted = await waitForRollout(runtime, started.body.id, (r) => r.status === 'Aborted');
    await status.getByText('Aborted').waitFor();

    // Assess
    expect(current?.trim()).toBe('pause (promote)');
    expect(chartCanvas).toBeGreaterThan(0);
    expect(moved.weights).toEqual({ canary: 50, stable: 50 });
    expect(aborted.weights).toEqual({ canary: 0, stable: 100 });
    await page.close();
  });

  it('shows the real clusters with their node groups and sizes, and an operation with its steps', async () => {
    // Prepare: the sandbox's own node group as the API reports it, and a new cluster's provisioning to look up.
    const sandboxGroup = (await api(runtime, 'GET', '/clusters/sandbox/nodegroups/sandbox-default')).body;
    const provisioned = await api(runtime, 'POST', '/clusters', { name: track(uniqueName('ui')) });
    const done = await operationDone(runtime, provisioned.body.operationId);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // Act
    await page.goto(dashboard.url);
    const sandbox = page.locator('[data-testid=cluster][data-cluster=sandbox]');
    await sandbox.getByText('sandbox-default').waitFor();
    const row = await sandbox.locator('tr', { hasText: 'sandbox-default' }).locator('td').allTextContents();
    const newCluster = page.locator(`[data-testid=cluster][data-cluster=${provisioned.body.cluster.name}]`);
    const newClusterOperation = await newCluster.getByTestId('operation').first().textContent();
    await page.getByPlaceholder('operation id').fill(provisioned.body.operationId);
    await page.getByRole('button', { name: 'Show' }).click();
    const looked = page.locator('section', { hasText: 'Operations' }).getByTestId('operation');
    await looked.getByText('Completed').waitFor();
    const steps = await looked.locator('li').allTextContents();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-clusters.png'), fullPage: true });
    await page.close();

    // Assess
    expect(row).toEqual([
      'sandbox-default',
      sandboxGroup.status,
      String(sandboxGroup.minSize),
      String(sandboxGroup.desiredSize),
      String(sandboxGroup.maxSize),
    ]);
    expect(sandboxGroup.desiredSize).toBeGreaterThan(0);
    expect(newClusterOperation).toContain('ProvisionCluster');
    expect(newClusterOperation).toContain('Succeeded');
    expect(steps).toEqual(done.steps.map((step: { name: string }) => step.name));
    expect(steps.at(-1)).toBe('Completed');
  });

  it('refuses API calls without the session token or from another host, changing nothing', async () => {
    // Prepare
    const app = await createApp({ replicas: 2 });
    const started = await api(runtime, 'POST', '/rollouts', canaryRequest(app));
    await waitForRollout(runtime, started.body.id, (r) => r.status === 'Paused');
    const base = dashboard.url.replace(/#.*$/, '');
    const token = new URL(dashboard.url).hash.replace('#session=', '');
    const promote = `${base}api/rollouts/${started.body.id}/promote`;

    // Act
    const noToken = await fetch(promote, { method: 'POST' });
    const wrongToken = await fetch(promote, { method: 'POST', headers: { [SESSION_HEADER]: `${token}x` } });
    // What a DNS-rebinding page sends: our address, its own host name (fetch will not set Host; http.request does).
    const rebound = await new Promise<number>((resolve, reject) => {
      const target = new URL(promote);
      http
        .request(
          {
            host: '127.0.0.1',
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: { [SESSION_HEADER]: token, host: `evil.example:${target.port}` },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject)
        .end();
    });
    const local = await fetch(`${base}api/_local/executions`, { headers: { [SESSION_HEADER]: token } });
    const read = await fetch(`${base}api/rollouts/${started.body.id}`, { headers: { [SESSION_HEADER]: token } });

    // Assess
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as any).error.details[0].field).toBe(SESSION_HEADER);
    expect(wrongToken.status).toBe(401);
    expect(rebound).toBe(403);
    expect(local.status).toBe(404);
    expect(read.status).toBe(200);
    const after = await getRollout(runtime, started.body.id);
    expect(after.status).toBe('Paused');
    expect(after.currentStepIndex).toBe(1);
  });

  it('eksflow dashboard prints a 127.0.0.1 URL with a session token and serves the page there', async () => {
    // Prepare
    const sandbox = cliSandbox(runtime);
    let stop!: () => void;
    const interrupted = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let stdout = '';
    const { runCli } = await import('../../cli/program');

    // Act
    const running = runCli(['dashboard', '--port', '0'], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => true },
      env: sandbox.env,
      cwd: sandbox.dir,
      now: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      interrupted,
    });
    const url = await eventually('the dashboard URL', async () => /open (\S+)/.exec(stdout)?.[1]);
    const page = await fetch(url.replace(/#.*$/, ''));
    const html = await page.text();
    stop();
    const code = await running;

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/#session=[A-Za-z0-9_-]{32}$/);
    expect(page.status).toBe(200);
    expect(html).toContain('<script src="app.js">');
    expect(code).toBe(0);
    expect(eksflow).toBeDefined();
  });
});
