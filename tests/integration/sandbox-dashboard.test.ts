import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Sandbox, startSandbox } from '../../local/sandbox/sandbox';
import { SESSION_HEADER } from '../../ui/serve';
import { eksflow } from '../helpers/cli-harness';

/** `npm start` serves the dashboard at /ui/ of the API's port, its calls checked by token and signed. */
describe('the dashboard of npm start', () => {
  let sandbox: Sandbox;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-sandbox-ui-'));
    sandbox = await startSandbox({ dir, port: 0, progress: () => undefined });
  }, 120000);
  afterAll(async () => sandbox?.stop());

  it('prints a /ui/ URL with a session token; the page loads, its API calls need the token and reach the API signed', async () => {
    // Prepare
    const url = new URL(sandbox.dashboardUrl);
    const token = url.hash.replace('#session=', '');
    const base = `${url.origin}/ui/`;

    // Act
    const page = await fetch(base);
    const withToken = await fetch(`${base}api/rollouts?cluster=sandbox`, { headers: { [SESSION_HEADER]: token } });
    const withoutToken = await fetch(`${base}api/rollouts?cluster=sandbox`);
    const direct = await fetch(`${url.origin}/rollouts?cluster=sandbox`);

    // Assess
    expect(url.origin).toBe(sandbox.runtime.url);
    expect(url.pathname).toBe('/ui/');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="app.js">');
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toEqual({ rollouts: [] });
    expect(withoutToken.status).toBe(401);
    expect(direct.status).toBe(401);
  });

  it('the CLI finds this sandbox by its folder and signs with the keys written there', async () => {
    // Act
    const run = await eksflow(['rollouts', 'list', '-o', 'json'], {
      env: { EKSFLOW_SANDBOX_DIR: dir, PORT: String(sandbox.runtime.port) },
    });

    // Assess
    expect(run).toEqual({ code: 0, stdout: `${JSON.stringify({ rollouts: [] }, null, 2)}\n`, stderr: '' });
  });
});
