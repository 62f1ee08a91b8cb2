import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../local/runtime';
import type { TestRuntimeOptions } from './stack';
import { defined } from './defined';

/** How long a child may take to load, connect and listen (tsx compiles on the fly; CI machines are slow). */
const CHILD_START_TIMEOUT_MS = 60_000;

const CHILD_ENTRY = path.join(__dirname, 'runtime-child.ts');

export interface RuntimeChild {
  url: string;
  pid: number;
  /** SIGKILL: no cleanup, no flush; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Graceful stop (end of test). */
  stop(): Promise<void>;
}

/**
 * Starts the local runtime in a child process on the shared stack (same config as startTestRuntime).
 * Give every start of one "deployment" the same `table`: that is all a restarted runtime keeps.
 */
export async function startRuntimeChild(options: TestRuntimeOptions & { table: string }): Promise<RuntimeChild> {
  // `node --import tsx` (not the tsx CLI, which forks): the pid we kill is the runtime itself.
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_ENTRY], {
    cwd: REPO_ROOT,
    env: { ...process.env, EKSFLOW_CHILD_OPTIONS: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await listeningUrl(child);
  return {
    url,
    pid: defined(child.pid, 'the pid of the spawned child'),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.stdin?.end();
      await exited;
    },
  };
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`runtime child ${why}\n${stderr.slice(-3000)}`));
    };
    const timer = setTimeout(() => fail(`not listening within ${CHILD_START_TIMEOUT_MS} ms`), CHILD_START_TIMEOUT_MS);
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-10000);
    });
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
      const address = /LISTENING (\S+)/.exec(stdout)?.[1];
      if (!address) return;
      clearTimeout(timer);
      resolve(address);
    });
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`));
  });
}
