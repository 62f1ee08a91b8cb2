import { LocalWorkflowEngine } from '../../core/adapters/local/local-workflow-engine';
import type { WorkflowDefinition } from '../../core/adapters/local/workflow-definitions';
import type { ClusterDeps } from '../../core/clusters/cluster-deps';
import { checkControlPlane } from '../../core/clusters/steps/provision-cluster-steps';
import { SandboxClock } from '../../local/sandbox-clock';
import { autoAdvance } from './test-clock';

/**
 * Runs the provision-cluster workflow on the local engine with a control plane that takes `createSeconds` to
 * become ACTIVE, on a held clock that jumps to each Wait's end. The check is the real task (its growing waits);
 * the other tasks do nothing. Counts the state transitions Step Functions would bill (every state entered) and the
 * checks made.
 */
export async function countTransitionsOfCreate(
  definition: WorkflowDefinition,
  options: { createSeconds: number; firstWaitSeconds?: number },
): Promise<{ transitions: number; checks: number; simulatedSeconds: number }> {
  const clock = new SandboxClock();
  clock.hold();
  const started = clock.now().getTime();
  const elapsedSeconds = () => (clock.now().getTime() - started) / 1000;
  let checks = 0;
  const deps = {
    clusters: {
      describeCluster: async (name: string) => ({
        name,
        status: elapsedSeconds() >= options.createSeconds ? 'ACTIVE' : 'CREATING',
        tags: {},
      }),
    },
    operations: { update: async () => ({}) },
    now: clock.now,
  } as unknown as ClusterDeps;
  const checkFunction = definition.taskFunctions.CheckControlPlane;
  const engine = new LocalWorkflowEngine({
    definitions: [definition],
    clock,
    invokeFunction: async (fn, input) => {
      if (fn !== checkFunction) return { rollback: false };
      checks++;
      return checkControlPlane(deps, input as never);
    },
  });
  const stopAdvancing = autoAdvance(clock);
  const { executionId } = await engine.start('provision-cluster', 'op-sim', {
    operationId: 'op-sim',
    spec: { name: 'sim', namespaces: [], access: [], onFailure: 'keep' },
    components: [],
    waitSeconds: options.firstWaitSeconds ?? 30,
    resumeFrom: 'RequestControlPlane',
  });
  const execution = await engine.waitFor(executionId).finally(stopAdvancing);
  return { transitions: execution.statesEntered.length, checks, simulatedSeconds: elapsedSeconds() };
}
