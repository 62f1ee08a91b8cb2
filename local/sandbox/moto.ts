import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, run, spawnTied, stopTied, waitUntil, type Progress } from './processes';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Installs the pinned moto server into `<root>/.venv` unless that exact requirement is already
 * installed (a stamp file remembers it), so a second start is instant. Returns the venv's python,
 * which runs our emulator entry point (tools/moto/server.py).
 */
export async function ensureMotoInstalled(root: string, progress: Progress): Promise<string> {
  const venv = path.join(root, '.venv');
  const python = path.join(venv, 'bin', 'python');
  // moto_server's presence says the pip install finished (the python exists as soon as the venv does).
  const server = path.join(venv, 'bin', 'moto_server');
  const requirements = readFileSync(path.join(root, 'tools', 'moto', 'requirements.txt'), 'utf8');
  const stamp = path.join(venv, '.eksflow-requirements');
  if (existsSync(server) && existsSync(stamp) && readFileSync(stamp, 'utf8') === requirements) return python;
  progress('installing the AWS emulator (moto server) into .venv — first run only');
  if (!existsSync(python)) await run('python3', ['-m', 'venv', venv], { progress });
  await run(
    path.join(venv, 'bin', 'pip'),
    ['install', '--disable-pip-version-check', '-q', '-r', path.join(root, 'tools', 'moto', 'requirements.txt')],
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
  const python = await ensureMotoInstalled(root, progress);
  const chosen = port ?? (await freePort());
  const entryPoint = path.join(root, 'tools', 'moto', 'server.py');
  const child: ChildProcess = spawnTied(python, [entryPoint, '-H', '127.0.0.1', '-p', String(chosen)]);
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
