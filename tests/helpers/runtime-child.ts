/**
 * The local runtime in a process of its own, for the crash tests: runtime-child.ts bundled (crash-harness.ts)
 * with EKSFLOW_CHILD_OPTIONS (TestRuntimeOptions as JSON) and EKSFLOW_TEST_STACK in its environment.
 * It prints `LISTENING <url>` once serving, runs the recovery sweep (it may be a restart after a
 * SIGKILL), and exits when its stdin closes, so it never outlives the test process that started it.
 */
import '../../core/adapters/local/promise-polyfill';
import { EKSClient } from '@aws-sdk/client-eks';
import { startLocalRuntime } from '../../local/runtime';
import { SandboxClock } from '../../local/sandbox-clock';
import { CLOCK } from './crash-harness';
import { awsClientConfig, type ChildRuntimeOptions, startAlarmBridge, testRuntimeConfig, testStack } from './stack';
import { autoAdvance, emulatorBusy } from './test-clock';

export const LISTENING = 'LISTENING';

async function main() {
  process.env.LOG_LEVEL ??= 'silent';
  const options = JSON.parse(process.env.EKSFLOW_CHILD_OPTIONS ?? '{}') as ChildRuntimeOptions;
  const config = await testRuntimeConfig(options);
  const clock = new SandboxClock({ offsetMs: options.clockOffsetMs });
  const runtime = await startLocalRuntime({
    config,
    clock,
    emulatorEndpoint: testStack().emulatorEndpoint,
    recovery: options.recovery ?? {},
    awsGate: testStack().awsEndpoint,
  });
  const alarms = await startAlarmBridge(config, runtime);
  const report = (offsetMs: number) => process.stdout.write(`${CLOCK} ${offsetMs}\n`);
  const stopAdvancing = options.autoAdvance
    ? autoAdvance(clock, { busy: emulatorBusy(new EKSClient(awsClientConfig())), onAdvance: report })
    : () => undefined;
  const stop = async () => {
    stopAdvancing();
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
