/**
 * `BENCH_SECTIONS=alb`: a canary behind an ALB (issue 18), per weight step: its time (the rollout's history, from the
 * step's start to its StepCompleted, which comes only once ELBv2 shows the weight) and the AWS calls of the work
 * (counted by the sandbox's AWS gate), with the sandbox AWS Load Balancer Controller applying changes at once and
 * 2 s late (the Ingress's `sandbox.eksflow.io/alb-reconcile-delay-seconds`).
 */
import { SANDBOX_ADMIN } from '../local/sandbox/identities';
import type { TestRuntime } from '../tests/helpers/stack';
import { gateCallCounts } from '../tools/aws-gate/call-counts';
import { byFunction, callsByAction } from './calls';

const WEIGHTS = [20, 50, 80];
const DELAYS_SECONDS = [0, 2];

type Api = typeof import('../tests/helpers/stack').api;

export async function albSection(runtime: TestRuntime, api: Api, gate: { endpoint: string; region: string }) {
  const { createAlbApp, STABLE_SERVICE, CANARY_SERVICE } = await import('../tests/helpers/alb-fixtures');
  const fixtures = await import('../tests/helpers/rollout-fixtures');
  const counts = (reset = false) => gateCallCounts(gate.endpoint, gate.region, SANDBOX_ADMIN, { reset });
  const lines = ['canary behind an ALB, per weight step (10 replicas; time from the step start to StepCompleted):'];
  for (const delay of DELAYS_SECONDS) {
    const app = await createAlbApp({ replicas: 10, delaySeconds: delay });
    await counts(true);
    // A pause after each weight: each step's calls are counted alone (promote starts the next).
    const { body } = await api(runtime, 'POST', '/rollouts', {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: 'web',
      image: 'nginx:1.28',
      canary: {
        trafficRouting: { alb: { ingress: 'web', rootService: 'web', servicePort: 80 } },
        stableService: STABLE_SERVICE,
        canaryService: CANARY_SERVICE,
        steps: WEIGHTS.flatMap((setWeight) => [{ setWeight }, { pause: {} }]),
      },
    });
    for (const [i, weight] of WEIGHTS.entries()) {
      const index = 2 * i;
      const r = await fixtures.waitForRollout(
        runtime,
        body.id,
        (x) => x.status === 'Paused' && x.currentStepIndex === index + 1,
        120000,
      );
      type Entry = { type: string; at: string; stepIndex?: number };
      const history: Entry[] = r.history;
      // The step starts when the rollout starts (the first) or when promote ends the pause before it.
      const began =
        i === 0 ? history[0] : history.findLast((h) => h.type === 'StepCompleted' && h.stepIndex === index - 1);
      const done = history.find((h) => h.type === 'StepCompleted' && h.stepIndex === index);
      const work = byFunction(await counts(true)).filter((c) => c.fn !== 'api' && !c.fn.endsWith('Sweep'));
      lines.push(
        `  controller delay ${delay} s, setWeight ${weight}: ${Date.parse(done?.at ?? '') - Date.parse(began?.at ?? '')} ms, ${callsByAction(work)}`,
      );
      if (i < WEIGHTS.length - 1) await api(runtime, 'POST', `/rollouts/${body.id}/promote`, {});
      await counts(true);
    }
    await api(runtime, 'POST', `/rollouts/${body.id}/abort`, {});
  }
  return lines;
}
