import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Stack } from '../../local/sandbox/sandbox';

export default async function globalTeardown() {
  const stacks = (globalThis as { __eksflowStacks?: Stack[] }).__eksflowStacks ?? [];
  await Promise.all(stacks.map((stack) => stack.stop()));
  // The clusters' state (etcd data, ~120 MB a control plane), wiped at every start anyway; each stack's logs stay
  // (the AWS gate's refusals), small.
  const dirs = (globalThis as { __eksflowStackDirs?: string[] }).__eksflowStackDirs ?? [];
  for (const dir of dirs) rmSync(path.join(dir, 'clusters'), { recursive: true, force: true });
  const runDir = process.env.EKSFLOW_TEST_RUN_DIR;
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}
