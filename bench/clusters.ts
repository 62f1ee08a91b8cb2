import path from 'node:path';
import { loadWorkflowDefinition } from '../core/adapters/local/workflow-definitions';
import { fullSpec, operationDone } from '../tests/helpers/cluster-fixtures';
import { countTransitionsOfCreate } from '../tests/helpers/provision-clock';
import type { TestRuntime } from '../tests/helpers/stack';
import { median } from './stats';

/** How many full-spec provisionings the sandbox times (each then deleted). */
const PROVISION_RUNS = Number(process.env.BENCH_CLUSTER_RUNS ?? 3);
/** The first wait of the poll loop deployed (config EKSFLOW_CLUSTER_POLL_SECONDS' default). */
const DEPLOYED_FIRST_WAIT_SECONDS = 30;

/**
 * `BENCH_SECTIONS=clusters`: (1) state transitions of the provision workflow for a 15-minute control-plane
 * create, on a simulated clock (the real check task's growing waits; every Wait skipped, the clock moved by
 * it), against a fixed 30 s poll; (2) the sandbox's wall time to provision issue 9's full spec (2 node groups,
 * one tainted, 3 add-ons, an access entry, 2 namespaces with quota, LimitRange and default-deny), and to delete it.
 */
export async function clustersSection(runtime: TestRuntime, api: typeof import('../tests/helpers/stack').api) {
  const lines: string[] = [];
  const definition = loadWorkflowDefinition(path.resolve(__dirname, '..'), 'provision-cluster');
  for (const minutes of [10, 15, 25]) {
    const { transitions, checks, simulatedSeconds } = await countTransitionsOfCreate(definition, {
      createSeconds: minutes * 60,
      firstWaitSeconds: DEPLOYED_FIRST_WAIT_SECONDS,
    });
    // A fixed poll bills Task + Choice + Wait per tick, plus the same 3 states around the loop.
    const fixed = Math.ceil((minutes * 60) / 30) * 3 + 3;
    lines.push(
      `provision, ${minutes}-minute control-plane create (simulated clock, no node groups): ${transitions} state transitions, ${checks} checks, ACTIVE seen at ${(simulatedSeconds / 60).toFixed(1)} min; a fixed 30 s poll: ~${fixed} (ratio ${(transitions / fixed).toFixed(2)})`,
    );
  }
  const provision: number[] = [];
  const teardown: number[] = [];
  let lastCost = '';
  for (let i = 0; i < PROVISION_RUNS; i++) {
    const spec = fullSpec(`bench-${process.pid}-${i}`);
    const t0 = performance.now();
    const accepted = await api(runtime, 'POST', '/clusters', spec);
    const done = await operationDone(runtime, accepted.body.operationId, 120000);
    const provisionMs = performance.now() - t0;
    provision.push(provisionMs);
    if (done.status !== 'Succeeded') throw new Error(`bench provisioning failed: ${JSON.stringify(done.error)}`);
    const { body: read } = await api(runtime, 'GET', `/operations/${accepted.body.operationId}`);
    const invocations = Object.values(read.cost.invocations as Record<string, number>).reduce((a, b) => a + b, 0);
    lastCost = `${read.cost.transitions} transitions, ${invocations} task invocations`;
    const t1 = performance.now();
    const deleting = await api(runtime, 'DELETE', `/clusters/${spec.name}`);
    await operationDone(runtime, deleting.body.operationId, 120000);
    const teardownMs = performance.now() - t1;
    teardown.push(teardownMs);
    process.stderr.write(
      `[bench] full spec run ${i + 1}: provision ${provisionMs.toFixed(0)} ms, delete ${teardownMs.toFixed(0)} ms\n`,
    );
  }
  lines.push(
    `sandbox, issue 9's full spec (${PROVISION_RUNS} runs; a control plane of its own, add-ons CREATING ~1 s, waits 2-4 s): provision median ${(median(provision) / 1000).toFixed(1)} s (worst ${(Math.max(...provision) / 1000).toFixed(1)} s), ${lastCost}; delete median ${(median(teardown) / 1000).toFixed(1)} s`,
  );
  return lines;
}
