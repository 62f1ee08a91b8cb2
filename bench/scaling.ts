/**
 * `BENCH_SECTIONS=scaling npm run bench`: node-group scaling figures (printed, never asserted).
 *  - transitions and task invocations of one scale operation, for emulated updates of 1 s and 20 s,
 *    against what a fixed 1 s poll would have billed over the same wait;
 *  - alarm → UpdateNodegroupConfig latency: CloudWatch SetAlarmState on the emulator until the node
 *    group is UPDATING towards the policy's size (the alarm bridge, the handler, the policy, the workflow).
 */
import type { TestRuntime } from '../tests/helpers/stack';
import { latencySummary } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);

export async function scalingSection(runtime: TestRuntime): Promise<string[]> {
  const { api, eventually } = await import('../tests/helpers/stack');
  const { createNodegroup, emulatorNodegroup } = await import('../tests/helpers/nodegroups');
  const fixtures = await import('../tests/helpers/rollout-fixtures');
  const lines: string[] = [];

  for (const updateSeconds of [1, 20]) {
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds });
    const t0 = performance.now();
    const { body } = await api(runtime, 'POST', `/clusters/sandbox/nodegroups/${ng.name}/scale`, { desiredSize: 5 });
    const execution = await runtime.engine.waitFor(`scale-nodegroup:${body.operationId}`);
    const seconds = (performance.now() - t0) / 1000;
    const states = execution.statesEntered;
    const tasks = states.filter((s) => ['ApplyScaling', 'CheckScaling', 'CompleteScaling', 'FailScaling'].includes(s));
    lines.push(
      `scale operation, update InProgress ${updateSeconds} s: ${states.length} transitions, ${tasks.length} task invocations (${states.filter((s) => s === 'CheckScaling').length} DescribeUpdate checks), ${seconds.toFixed(1)} s end to end; a fixed 1 s poll: ~${Math.ceil(seconds) * 3 + 3} transitions`,
    );
  }

  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds: 1 });
    const alarm = await fixtures.createAlarm('OK');
    await api(runtime, 'POST', `/clusters/sandbox/nodegroups/${ng.name}/policies`, {
      name: 'up',
      alarm,
      adjustment: { type: 'change', value: 1 },
      cooldownSeconds: 300,
    });
    const t0 = performance.now();
    await fixtures.setAlarm(alarm, 'ALARM');
    await eventually(
      'the node group to be updating',
      async () => ((await emulatorNodegroup(ng)).desiredSize === 3 ? true : undefined),
      10000,
      10,
    );
    const latency = performance.now() - t0;
    latencies.push(latency);
    process.stderr.write(`[bench] alarm→UpdateNodegroupConfig run ${i + 1}: ${latency.toFixed(0)} ms\n`);
  }
  lines.push(
    `alarm → UpdateNodegroupConfig (${RUNS} runs, alarm bridge polling every 100 ms): ${latencySummary(latencies)}`,
  );
  return lines;
}
