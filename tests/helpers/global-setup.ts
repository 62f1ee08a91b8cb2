import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '@jest/types';
import { buildControlPlane } from '../../local/sandbox/control-plane';
import { ensurePythonToolsInstalled } from '../../local/sandbox/moto';
import { type Stack, startStack } from '../../local/sandbox/sandbox';
import { packagedTemplate } from '../../tools/aws-gate/packaged-roles';
import { ensureUiBundle } from '../../ui/build';
import { buildRuntimeChildBundle, CHILD_BUNDLE_ENV } from './crash-harness';
import type { TestStack } from './stack';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Starts one real local stack (moto server, AWS gate, the sandbox cluster's control plane) per Jest worker, so
 * that integration files running at the same time share no state: not the gate's account-wide quotas (alarm-storm
 * saturates DescribeAlarms), not the sandbox cluster's Nodes and Pending pods, not the emulator. Each worker finds
 * its own by JEST_WORKER_ID (setup-env.ts). A component that cannot start fails the run (never a silent skip).
 */
export default async function globalSetup(globalConfig: Config.GlobalConfig): Promise<void> {
  const started = Date.now();
  const progress = (message: string) => process.stderr.write(`[test stack] ${message}\n`);
  const count = stacksNeeded(globalConfig);
  // The run's own files that must live inside the repository (the crash harness's bundle finds node_modules from
  // there); the teardown removes it.
  const cache = path.join(ROOT, '.cache');
  mkdirSync(cache, { recursive: true });
  process.env.EKSFLOW_TEST_RUN_DIR = mkdtempSync(path.join(cache, 'test-run-'));
  let stacks: Stack[] = [];
  try {
    // What every stack needs, built once before they start side by side: the emulator's venv, the Go binary, the
    // packaged template, the dashboard's bundle (two workers must not write it at the same time) and the runtime
    // children's.
    const [childBundle] = await Promise.all([
      // The crash harness's runtime children: one bundle for every worker (each built its own).
      buildRuntimeChildBundle(),
      ensureUiBundle(),
      ensurePythonToolsInstalled(ROOT, progress),
      buildControlPlane(ROOT, progress),
      packagedTemplate(ROOT, progress),
    ]);
    process.env[CHILD_BUNDLE_ENV] = childBundle;
    const starts = Array.from({ length: count }, (_, i) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-it-'));
      const tag = count > 1 ? `[${i + 1}] ` : '';
      return startStack({ dir, progress: (m) => progress(`${tag}${m}`) }).then((stack) => ({ stack, dir }));
    });
    const results = await Promise.allSettled(starts);
    const up = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    stacks = up.map((u) => u.stack);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    (globalThis as { __eksflowStacks?: Stack[] }).__eksflowStacks = stacks;
    (globalThis as { __eksflowStackDirs?: string[] }).__eksflowStackDirs = up.map((u) => u.dir);
    process.env.EKSFLOW_TEST_STACKS = JSON.stringify(up.map(describeStack));
  } catch (error) {
    await Promise.allSettled(stacks.map((s) => s.stop()));
    process.stderr.write(
      `\n[test stack] FAILED TO START — integration tests cannot run:\n${(error as Error)?.stack ?? error}\n\n`,
    );
    throw error;
  }
  progress(
    `${count} stack${count > 1 ? 's' : ''} up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${stacks
      .map((s) => `AWS gate ${s.awsEndpoint} (emulator ${s.emulatorEndpoint}), Kubernetes ${s.controlPlane.server}`)
      .join('; ')}`,
  );
}

/** What a test file needs of its worker's stack: endpoints only (the processes stay in this one). */
function describeStack({ stack, dir }: { stack: Stack; dir: string }): TestStack {
  const { server, caData, token } = stack.controlPlane;
  return {
    region: stack.region,
    awsEndpoint: stack.awsEndpoint,
    emulatorEndpoint: stack.emulatorEndpoint,
    controlPlane: { server, caData: caData ?? '', token },
    // One context per cluster, rewritten as clusters come and go.
    kubeconfig: path.join(dir, 'kubeconfig'),
  };
}

/**
 * One stack per worker that can run an integration file: no more than there are integration files selected (one
 * file alone runs in band), so running a single file starts a single stack.
 */
function stacksNeeded(globalConfig: Config.GlobalConfig): number {
  const workers = Math.max(1, globalConfig.maxWorkers);
  if (workers === 1) return 1;
  const executor = globalConfig.testPathPatterns.toExecutor({ rootDir: globalConfig.rootDir });
  const files = testFiles(path.join(ROOT, 'tests', 'integration')).filter(
    (file) => !executor.isSet() || executor.isMatch(file),
  );
  return Math.max(1, Math.min(workers, files.length));
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}
