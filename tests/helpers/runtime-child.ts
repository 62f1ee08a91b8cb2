/**
 * The local runtime in a process of its own, for the crash tests: `node --import tsx runtime-child.ts`
 * with EKSFLOW_CHILD_OPTIONS (TestRuntimeOptions as JSON) and EKSFLOW_TEST_STACK in its environment.
 * It prints `LISTENING <url>` once serving, runs the recovery sweep (it may be a restart after a
 * SIGKILL), and exits when its stdin closes, so it never outlives the test process that started it.
 */
import '../../core/adapters/local/promise-polyfill';
import { startLocalRuntime } from '../../local/runtime';
import { startAlarmBridge, testRuntimeConfig, testStack, type TestRuntimeOptions } from './stack';

export const LISTENING = 'LISTENING';

async function main() {
  process.env.LOG_LEVEL ??= 'silent';
  const options = JSON.parse(process.env.EKSFLOW_CHILD_OPTIONS ?? '{}') as TestRuntimeOptions;
  const config = await testRuntimeConfig(options);
  const runtime = await startLocalRuntime({
    config,
    emulatorEndpoint: testStack().emulatorEndpoint,
    recovery: options.recovery ?? {},
    awsGate: testStack().awsEndpoint,
  });
  const alarms = await startAlarmBridge(config, runtime.deliverEvent);
  const stop = async () => {
    await alarms.stop();
    await runtime.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.on('SIGTERM', () => void stop());
  process.stdout.write(`${LISTENING} ${runtime.url}\n`);
}

main().catch((error) => {
  process.stderr.write(`runtime child failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
