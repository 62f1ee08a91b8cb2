/**
 * `npm run bench`: figures, not assertions (this machine is shared and noisy; compare within one run).
 *  1. alarm → stable latency: CloudWatch SetAlarmState on the emulator until the stable Deployment is
 *     back to N replicas and the canary at 0 (10 runs: median, p95, worst).
 *  2. workflow state transitions for the canary 10 → pause 30s → 50 → pause → promote on 10 replicas,
 *     against what a fixed 5 s poll would have billed over the same wall time (goal ≤ 15).
 *  2b. the wall time of a setWeight step whose pods are Ready at once (goal ≤ 1 s), from the rollout's
 *     history: Started → StepCompleted of that step (BENCH_SECTIONS=step).
 *  3. alarm storm: handler p50/p99 and time until the last stable is restored (bench/alarm-storm.ts).
 *  4. cold start: each packaged function's bundle size and module-load time over bare Node
 *     (bench/cold-start.ts; reads .serverless/*.zip, so `npm run package` first; needs no stack).
 *  5. clusters: transitions of a 15-minute control-plane create on a simulated clock, and the sandbox's time to
 *     provision issue 9's full spec (bench/clusters.ts).
 *  6. node-group scaling: transitions and invocations of one scale operation, alarm → UpdateNodegroupConfig
 *     latency (bench/scaling.ts).
 *  7. AWS calls (by action, counted by the AWS gate), transitions and invocations per rollout and per cluster
 *     operation (bench/calls.ts; README "Deploy" quotes them).
 *  8. a canary behind an ALB: each weight step's time and AWS calls, with the sandbox's load balancer controller
 *     at once and 2 s late (bench/alb.ts).
 * BENCH_SECTIONS=storm (comma-separated: latency, transitions, step, storm, coldstart, clusters, scaling, calls, alb) runs only some of them.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack } from '../local/sandbox/sandbox';
import { alarmStormSection } from './alarm-storm';
import { albSection } from './alb';
import { callsSection } from './calls';
import { clustersSection } from './clusters';
import { coldStartSection } from './cold-start';
import { scalingSection } from './scaling';
import { latencySummary, median } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
/** A slow pod start, as in a real cluster: the abort must keep the canary until restored stable pods are Ready. */
const READINESS_DELAY_SECONDS = 1;
const SECTIONS = new Set(
  (process.env.BENCH_SECTIONS ?? 'latency,transitions,step,storm,coldstart,clusters,scaling,calls,alb').split(','),
);
/** The sections that need the local stack (the cold-start one reads packaged zips only). */
const STACK_SECTIONS = ['latency', 'transitions', 'step', 'storm', 'clusters', 'scaling', 'calls', 'alb'];
/** Issue 8, item 9: the bench canary's state transitions, and one setWeight step with pods Ready at once. */
const TRANSITIONS_GOAL = 15;
const STEP_GOAL_MS = 1000;
/** setWeight steps timed (odd: the median is one measured step). */
const STEP_RUNS = 5;

async function main() {
  process.env.LOG_LEVEL ??= 'silent';
  // First, on a quiet machine: the other sections leave the stack's servers running until the end.
  if (SECTIONS.has('coldstart')) console.log((await coldStartSection()).join('\n'));
  if (!STACK_SECTIONS.some((s) => SECTIONS.has(s))) return;
  const stack = await startStack({
    dir: mkdtempSync(path.join(os.tmpdir(), 'eksflow-bench-')),
    progress: (m) => process.stderr.write(`[bench] ${m}\n`),
  });
  const { server, caData, token } = stack.controlPlane;
  process.env.EKSFLOW_TEST_STACK = JSON.stringify({
    region: stack.region,
    awsEndpoint: stack.awsEndpoint,
    emulatorEndpoint: stack.emulatorEndpoint,
    controlPlane: { server, caData, token },
  });
  // Loaded after the stack is described in the environment.
  const { startTestRuntime, api, eventually } = await import('../tests/helpers/stack');
  const fixtures = await import('../tests/helpers/rollout-fixtures');
  const runtime = await startTestRuntime({ env: {} });
  const lines: string[] = ['eksflow bench'];
  try {
    if (SECTIONS.has('latency')) {
      lines.push(...(await latencySection(0)));
      lines.push(...(await latencySection(READINESS_DELAY_SECONDS)));
    }
    if (SECTIONS.has('transitions')) lines.push(...(await transitionsSection()));
    if (SECTIONS.has('step')) lines.push(...(await stepSection()));
    if (SECTIONS.has('clusters')) lines.push(...(await clustersSection(runtime, api)));
    if (SECTIONS.has('scaling')) lines.push(...(await scalingSection(runtime)));
    if (SECTIONS.has('calls'))
      lines.push(...(await callsSection(runtime, api, { endpoint: stack.awsEndpoint, region: stack.region })));
    if (SECTIONS.has('alb'))
      lines.push(...(await albSection(runtime, api, { endpoint: stack.awsEndpoint, region: stack.region })));
    // On a runtime of its own, whose DescribeAlarms requests are counted and held to the quota.
    if (SECTIONS.has('storm')) lines.push(...(await alarmStormSection()));
    console.log(lines.join('\n'));
  } finally {
    await runtime.close();
    await stack.stop();
  }

  /**
   * 1. alarm → stable: until N stable pods are Ready and the canary is gone. With a readiness delay the
   * restored stable pods take that long to serve, and the canary must stay until they do.
   */
  async function latencySection(readyAfterSeconds: number): Promise<string[]> {
    const latencies: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const app = await fixtures.createApp({ replicas: 4, readyAfterSeconds });
      const alarm = await fixtures.createAlarm('OK');
      const { body } = await api(
        runtime,
        'POST',
        '/rollouts',
        fixtures.canaryRequest(app, undefined, { analysis: { alarms: [alarm] } }),
      );
      await fixtures.waitForRollout(runtime, body.id, (r) => r.status === 'Paused');
      const t0 = performance.now();
      await fixtures.setAlarm(alarm, 'ALARM');
      await eventually(
        'stable restored',
        async () => {
          const s = await fixtures.replicaSplit(app);
          const ready = (await fixtures.deployment(app.namespace, 'web'))?.status?.readyReplicas;
          return s.stable === 4 && ready === 4 && s.canary === 0 ? true : undefined;
        },
        10000,
        10,
      );
      const latency = performance.now() - t0;
      latencies.push(latency);
      process.stderr.write(`[bench] alarm→stable run ${i + 1}: ${latency.toFixed(0)} ms\n`);
    }
    const delay = readyAfterSeconds ? `, pods Ready ${readyAfterSeconds} s after start` : ', pods Ready at once';
    return [`alarm → stable restored and Ready (${RUNS} runs${delay}): ${latencySummary(latencies)}`];
  }

  /**
   * 2b. One setWeight step whose pods are Ready at once: from the rollout's Started entry to its
   * StepCompleted (the task creates the canary, waits for its pods inside the invocation, scales stable).
   */
  async function stepSection(): Promise<string[]> {
    const spans: number[] = [];
    for (let i = 0; i < STEP_RUNS; i++) {
      const app = await fixtures.createApp({ replicas: 10 });
      const { body } = await api(runtime, 'POST', '/rollouts', fixtures.canaryRequest(app));
      const r = await fixtures.waitForRollout(runtime, body.id, (x) => x.status === 'Paused', 30000);
      spans.push(historySpan(r.history, { type: 'Started' }, { type: 'StepCompleted', stepIndex: 0 }));
      process.stderr.write(`[bench] setWeight step ${i + 1}: ${spans[i]} ms\n`);
    }
    const worst = Math.max(...spans);
    return [
      `setWeight 50 on 10 replicas, pods Ready at once (${STEP_RUNS} rollouts, Started → StepCompleted): median ${median(spans)} ms, worst ${worst} ms (goal ≤ ${STEP_GOAL_MS} ms${worst > STEP_GOAL_MS ? ', OVER' : ''})`,
    ];
  }

  /** 2. transitions of the acceptance canary */
  async function transitionsSection(): Promise<string[]> {
    const app = await fixtures.createApp({ replicas: 10 });
    const started = performance.now();
    const { body } = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: 'web',
      image: 'nginx:1.28',
      canary: { steps: [{ setWeight: 10 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { pause: {} }] },
    });
    await fixtures.waitForRollout(runtime, body.id, (r) => r.status === 'Paused' && r.currentStepIndex === 3, 90000);
    await api(runtime, 'POST', `/rollouts/${body.id}/promote`);
    await fixtures.waitForRollout(runtime, body.id, (r) => r.status === 'Promoted', 90000);
    const wallSeconds = (performance.now() - started) / 1000;
    const runs = runtime.engine.list().filter((e) => e.name.startsWith(body.id));
    const transitions = runs.reduce((n, e) => n + e.statesEntered.length, 0);
    // A loop that polls at a fixed interval bills Task + Choice + Wait on every tick.
    const fixedPoll = (seconds: number) => Math.ceil(wallSeconds / seconds) * 3;
    return [
      `canary 10 → pause 30s → 50 → pause → promote (10 replicas): ${transitions} state transitions (goal ≤ ${TRANSITIONS_GOAL}${transitions > TRANSITIONS_GOAL ? ', OVER' : ''}) in ${runs.length} executions over ${wallSeconds.toFixed(1)} s wall time`,
      `  fixed polls over the same wall time: every 2 s (our pod-readiness poll) ~${fixedPoll(2)} (ratio ${(transitions / fixedPoll(2)).toFixed(2)}), every 5 s ~${fixedPoll(5)} (ratio ${(transitions / fixedPoll(5)).toFixed(2)})`,
      '  (the wait for a person after the last pause is not counted in wall time: it ends the execution and costs 0 transitions however long it lasts)',
    ];
  }
}

/** The milliseconds between two history entries of a rollout, found by type (and step). */
function historySpan(
  history: { at: string; type: string; stepIndex?: number }[],
  from: { type: string; stepIndex?: number },
  to: { type: string; stepIndex?: number },
): number {
  const find = (e: { type: string; stepIndex?: number }) =>
    history.find((h) => h.type === e.type && (e.stepIndex === undefined || h.stepIndex === e.stepIndex));
  const start = find(from);
  const end = find(to);
  if (!start || !end) throw new Error(`history lacks ${JSON.stringify(start ? to : from)}`);
  return Date.parse(end.at) - Date.parse(start.at);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
