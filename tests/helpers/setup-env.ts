// Runs before every test file: quiet logs, fake credentials (never real AWS), Node 20 polyfills.
import '../../core/adapters/local/promise-polyfill';

process.env.LOG_LEVEL ??= 'silent';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.AWS_REGION ??= 'us-east-1';

// The integration stack of this worker (global-setup.ts starts one per worker): what testStack() and the crash
// harness's children read. Worker ids run from 1 to maxWorkers.
if (process.env.EKSFLOW_TEST_STACKS) {
  const stacks = JSON.parse(process.env.EKSFLOW_TEST_STACKS) as unknown[];
  const worker = Number(process.env.JEST_WORKER_ID ?? 1);
  process.env.EKSFLOW_TEST_STACK = JSON.stringify(stacks[(worker - 1) % stacks.length]);
}
