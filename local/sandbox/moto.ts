import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_ACCOUNT } from '../../tools/aws-gate/packaged-roles';
import { freePort, type Progress, run, spawnTied, stopTied, waitUntil } from './processes';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** Python tools pinned by requirement files and installed together into `<root>/.venv`. */
const PYTHON_REQUIREMENTS = [
  // The AWS emulator behind `npm start` and the integration tests.
  'tools/moto/requirements.txt',
  // cfn-lint for `npm run lint:template` (CI).
  'tools/cfn-lint/requirements.txt',
];

/**
 * Installs the pinned moto server and cfn-lint into `<root>/.venv` unless those exact requirements are
 * already installed (a stamp file remembers them), so a second start is instant. Returns the venv's
 * python, which runs our emulator entry point (tools/moto/server.py).
 */
export async function ensurePythonToolsInstalled(root: string, progress: Progress): Promise<string> {
  const venv = path.join(root, '.venv');
  const python = path.join(venv, 'bin', 'python');
  // The tools' entry points say the pip install finished (the python exists as soon as the venv does).
  const entryPoints = ['moto_server', 'cfn-lint'].map((name) => path.join(venv, 'bin', name));
  const files = PYTHON_REQUIREMENTS.map((file) => path.join(root, file));
  const requirements = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  const stamp = path.join(venv, '.eksflow-requirements');
  if (entryPoints.every((p) => existsSync(p)) && existsSync(stamp) && readFileSync(stamp, 'utf8') === requirements) {
    return python;
  }
  progress('installing the AWS emulator (moto server) and cfn-lint into .venv — first run only');
  if (!existsSync(python)) await run('python3', ['-m', 'venv', venv], { progress });
  await run(
    path.join(venv, 'bin', 'pip'),
    ['install', '--disable-pip-version-check', '-q', ...files.flatMap((file) => ['-r', file])],
    { progress },
  );
  writeFileSync(stamp, requirements);
  return python;
}

/**
 * Starts moto with eksflow's emulator extensions in front of it (tools/moto/server.py, see its README):
 * e.g. DynamoDB requests run one at a time, so transactions are atomic and isolated as in AWS.
 */
export async function startMoto(root: string, progress: Progress, port?: number): Promise<MotoServer> {
  const python = await ensurePythonToolsInstalled(root, progress);
  const chosen = port ?? (await freePort());
  const entryPoint = path.join(root, 'tools', 'moto', 'server.py');
  // The sandbox's account is 000000000000 (the packaged roles are resolved for it); moto's default is another.
  const child: ChildProcess = spawnTied(python, [entryPoint, '-H', '127.0.0.1', '-p', String(chosen)], {
    env: { ...process.env, MOTO_ACCOUNT_ID: SANDBOX_ACCOUNT },
  });
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-2000)));
  const endpoint = `http://127.0.0.1:${chosen}`;
  try {
    await waitUntil('moto server', async () => (await fetch(`${endpoint}/moto-api/data.json`)).ok, 30000);
  } catch (error) {
    await stopTied(child);
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return { endpoint, stop: () => stopTied(child) };
}
