import type { Stack } from '../../local/sandbox/sandbox';

export default async function globalTeardown() {
  await (globalThis as { __eksflowStack?: Stack }).__eksflowStack?.stop();
}
