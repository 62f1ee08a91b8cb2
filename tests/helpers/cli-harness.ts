import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX_DIR_ENV } from '../../cli/endpoint';
import { runCli } from '../../cli/program';
import { stackEnv } from '../../local/sandbox/sandbox';
import type { SigningIdentity } from '../../local/sigv4-verifier';
import { testStack } from './stack';

/**
 * A sandbox folder for the test stack, as `npm start` writes it (`env` with the emulator and the admin's keys,
 * or another sandbox identity's, `kubeconfig`), and the environment that points the CLI at it and at a test
 * runtime's port.
 */
export function cliSandbox(
  runtime: { port: number },
  identity?: SigningIdentity,
): { dir: string; env: Record<string, string> } {
  const stack = testStack();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-cli-'));
  const env = stackEnv(stack, identity);
  writeFileSync(
    path.join(dir, 'env'),
    `${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
  const { server, caData, token } = stack.controlPlane;
  writeFileSync(
    path.join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: sandbox, cluster: {server: "${server}", certificate-authority-data: "${caData}"}}]`,
      `users: [{name: admin, user: {token: "${token}"}}]`,
      'contexts: [{name: sandbox, context: {cluster: sandbox, user: admin}}]',
      'current-context: sandbox',
      '',
    ].join('\n'),
  );
  return { dir, env: { [SANDBOX_DIR_ENV]: dir, PORT: String(runtime.port) } };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `eksflow ARGS` in-process against the sandbox folder (no TTY unless asked: one line per change). */
export async function eksflow(
  args: string[],
  sandbox: { env: Record<string, string> },
  options: { tty?: boolean; cwd?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: options.tty ?? false },
    stderr: { write: (s: string) => (stderr += s) },
    env: { ...sandbox.env },
    cwd: options.cwd ?? process.cwd(),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  return { code, stdout, stderr };
}
