/**
 * `BENCH_SECTIONS=calls`: what one rollout and one cluster operation cost in AWS calls (by action, counted by the
 * sandbox's AWS gate: tools/aws-gate/call-counts.ts), Step Functions state transitions and Lambda invocations.
 * README "Deploy" quotes these figures.
 *
 * Calls are split by who makes them: the API function answering the one request that starts the work, and the
 * functions that carry it out (workflow tasks). The bench's own polls of GET /rollouts|/operations (the API
 * function again), the scheduled sweeps (a cost per minute, not per operation) and admin calls (fixtures) are
 * left out.
 */
import path from 'node:path';
import { loadWorkflowDefinition } from '../core/adapters/local/workflow-definitions';
import { SANDBOX_ADMIN } from '../local/sandbox/identities';
import type { TestRuntime } from '../tests/helpers/stack';
import { type CallCount, gateCallCounts } from '../tools/aws-gate/call-counts';

const ROOT = path.resolve(__dirname, '..');
/** Functions whose calls belong to no one operation: timers of their own. */
const BACKGROUND = ['scheduledSweep', 'scalingSweep', 'scheduledScale'];

const CANARY_STEPS = [
  { setWeight: 25 },
  { pause: { duration: '5s' } },
  { setWeight: 50 },
  { pause: { duration: '5s' } },
];

type Api = typeof import('../tests/helpers/stack').api;

export async function callsSection(runtime: TestRuntime, api: Api, gate: { endpoint: string; region: string }) {
  const fixtures = await import('../tests/helpers/rollout-fixtures');
  const { operationDone } = await import('../tests/helpers/cluster-fixtures');
  const { createNodegroup } = await import('../tests/helpers/nodegroups');
  const counts = (reset = false) => gateCallCounts(gate.endpoint, gate.region, SANDBOX_ADMIN, { reset });
  const lines: string[] = ['AWS calls (through the gate, by action), state transitions and Lambda invocations:'];

  /** Runs `start` (one API request) then `finish` (waiting for the work), counting the gate's calls of each. */
  async function measure<T>(start: () => Promise<T>, finish: (started: T) => Promise<void>) {
    await counts(true);
    const started = await start();
    const ofStart = byFunction(await counts());
    await finish(started);
    const all = byFunction(await counts());
    const work = all.filter((c) => c.fn !== 'api' && !BACKGROUND.includes(c.fn));
    return { started, api: ofStart.filter((c) => c.fn === 'api'), work };
  }

  // 1. A canary rollout to completion: 25 % → 5 s → 50 % → 5 s → promoted, guarded by one alarm.
  const app = await fixtures.createApp({ replicas: 4 });
  const alarm = await fixtures.createAlarm('OK');
  const rollout = await measure(
    async () =>
      (
        await api(
          runtime,
          'POST',
          '/rollouts',
          fixtures.canaryRequest(app, CANARY_STEPS, { analysis: { alarms: [alarm] } }),
        )
      ).body.id as string,
    async (id) => void (await fixtures.waitForRollout(runtime, id, (r) => r.status === 'Promoted', 120000)),
  );
  lines.push(
    `  canary rollout to Promoted (4 replicas, 25 % → pause 5 s → 50 % → pause 5 s, one alarm): ${costOf('rollout', rollout.started)}`,
    ...describe(rollout),
  );

  // 2. A provisioning of the default spec (`POST /clusters {name}`), to Succeeded.
  const provision = await measure(
    async () =>
      (await api(runtime, 'POST', '/clusters', { name: `bench-calls-${process.pid}` })).body.operationId as string,
    async (id) => {
      const done = await operationDone(runtime, id, 180000);
      if (done.status !== 'Succeeded') throw new Error(`bench provisioning ended ${done.status}`);
    },
  );
  lines.push(
    `  provisioning of the default spec: ${costOf('provision-cluster', provision.started)}`,
    ...describe(provision),
  );

  // 3. A scale of a node group (2 → 5, the update InProgress 1 s).
  const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds: 1 });
  const scale = await measure(
    async () =>
      (await api(runtime, 'POST', `/clusters/sandbox/nodegroups/${ng.name}/scale`, { desiredSize: 5 })).body
        .operationId as string,
    async (id) => void (await runtime.engine.waitFor(`scale-nodegroup:${id}`)),
  );
  lines.push(`  scale of a node group 2 → 5: ${costOf('scale-nodegroup', scale.started)}`, ...describe(scale));
  return lines;

  /**
   * Transitions and invocations of the work's executions (`<id>`, and `<id>-…` for its later runs), from the
   * workflow engine: every state entered is a billed transition, every Task state entered one invocation (a
   * Retry's attempts would add invocations without transitions; the bench's runs have none).
   */
  function costOf(workflow: string, id: string): string {
    const tasks = loadWorkflowDefinition(ROOT, workflow).taskFunctions;
    const runs = runtime.engine.list().filter((e) => e.workflow === workflow && e.name.startsWith(id));
    const transitions = runs.reduce((n, e) => n + e.statesEntered.length, 0);
    const invocations = runs.reduce((n, e) => n + e.statesEntered.filter((state) => tasks[state]).length, 0);
    return `${transitions} transitions in ${runs.length} executions, ${invocations + 1} invocations (1 API + ${invocations} tasks)`;
  }
}

interface FunctionCalls extends CallCount {
  fn: string;
}

/** The function a call came from: Lambda's session of a role is named after the function. */
export function byFunction(calls: CallCount[]): FunctionCalls[] {
  return calls
    .filter((c) => c.principal.includes(':assumed-role/'))
    .map((c) => ({ ...c, fn: c.principal.split('/').pop() ?? '' }));
}

/** "N AWS calls: action ×n (t throttled, d denied), …", most called first. */
export function callsByAction(calls: CallCount[]): string {
  const byAction = new Map<string, { n: number; throttled: number; denied: number }>();
  for (const c of calls) {
    const a = byAction.get(c.action) ?? { n: 0, throttled: 0, denied: 0 };
    a.n += c.answered + c.throttled + c.denied;
    a.throttled += c.throttled;
    a.denied += c.denied;
    byAction.set(c.action, a);
  }
  const total = [...byAction.values()].reduce((s, a) => s + a.n, 0);
  const parts = [...byAction.entries()]
    .sort(([x, a], [y, b]) => b.n - a.n || x.localeCompare(y))
    .map(([action, a]) => {
      const refused = [a.throttled && `${a.throttled} throttled`, a.denied && `${a.denied} denied`].filter(Boolean);
      return `${action} ×${a.n}${refused.length ? ` (${refused.join(', ')})` : ''}`;
    });
  return `${total} AWS calls${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** The starting request's calls and the work's. */
function describe(m: { api: FunctionCalls[]; work: FunctionCalls[] }): string[] {
  return [`    the API request: ${callsByAction(m.api)}`, `    the work (workflow tasks): ${callsByAction(m.work)}`];
}
