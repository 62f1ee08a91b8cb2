import { rmSync } from 'node:fs';
import type { Stack } from '../../local/sandbox/sandbox';

export default async function globalTeardown() {
  const stacks = (globalThis as { __eksflowStacks?: Stack[] }).__eksflowStacks ?? [];
  await Promise.all(stacks.map((stack) => stack.stop()));
  const runDir = process.env.EKSFLOW_TEST_RUN_DIR;
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}
