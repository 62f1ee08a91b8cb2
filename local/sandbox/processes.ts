import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

export type Progress = (message: string) => void;

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a long-running child that dies with us: it runs under a tiny shell that kills it when our end
 * of its stdin closes, which happens however this process ends (Ctrl-C, crash, kill -9).
 */
export function spawnTied(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile?: string } = {},
): ChildProcess {
  // The watcher kills the child when our stdin closes (fd 3: a background job's own stdin is /dev/null);
  // the shell exits with the child's code when the child ends first.
  const script =
    'exec 3<&0; "$@" </dev/null & child=$!; (cat <&3 >/dev/null; kill $child 2>/dev/null) & watcher=$!; trap \'kill $child 2>/dev/null\' TERM INT; wait $child; code=$?; kill $watcher 2>/dev/null; exit $code';
  return spawn('sh', ['-c', script, 'tied', command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs a command to completion, streaming its output lines to `progress`; rejects on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; progress?: Progress } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderrTail = (stderrTail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) options.progress?.(line.trim());
    });
    child.once('error', reject);
    // 'close', not 'exit': a process may exit before its stdout is read to the end, and its output is the answer
    // (build.sh's binary path came back empty once in CI).
    child.once('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${stderrTail}`)),
    );
  });
}

/** Polls `probe` until it resolves true or the deadline passes. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

/** Stops a tied child by closing its stdin, then waits for it to exit (SIGKILL after a grace period). */
export async function stopTied(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
