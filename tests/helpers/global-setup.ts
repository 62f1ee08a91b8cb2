import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, type Stack } from '../../local/sandbox/sandbox';

/**
 * Starts the real local stack once per run: moto server and the Kubernetes control plane. A
 * component that cannot start fails the run (never a silent skip), in CI and on a developer machine.
 */
export default async function globalSetup() {
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-it-'));
  const progress = (message: string) => process.stderr.write(`[test stack] ${message}\n`);
  let stack: Stack;
  try {
    stack = await startStack({ dir, progress });
  } catch (error) {
    process.stderr.write(
      `\n[test stack] FAILED TO START — integration tests cannot run:\n${(error as Error)?.stack ?? error}\n\n`,
    );
    throw error;
  }
  (globalThis as { __eksflowStack?: Stack }).__eksflowStack = stack;
  const { server, caData, token } = stack.controlPlane;
  process.env.EKSFLOW_TEST_STACK = JSON.stringify({
    region: stack.region,
    awsEndpoint: stack.awsEndpoint,
    emulatorEndpoint: stack.emulatorEndpoint,
    controlPlane: { server, caData, token },
    // One context per cluster, rewritten as clusters come and go.
    kubeconfig: path.join(dir, 'kubeconfig'),
  });
  progress(
    `up in ${((Date.now() - started) / 1000).toFixed(1)} s: AWS gate ${stack.awsEndpoint} (emulator ${stack.emulatorEndpoint}), Kubernetes ${server}`,
  );
}
