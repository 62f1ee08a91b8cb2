import '../../core/adapters/local/promise-polyfill';
import { StateMachine } from 'aws-local-stepfunctions';
import type { WorkflowDefinition } from '../../core/adapters/local/workflow-definitions';
import type { ClusterDeps } from '../../core/clusters/cluster-deps';
import { checkControlPlane } from '../../core/clusters/steps/provision-cluster-steps';

/**
 * Runs the provision-cluster workflow with a control plane that takes `createSeconds` to become ACTIVE,
 * on a simulated clock: every Wait is skipped and the clock moves by its seconds instead. The check is
 * the real task (its growing waits); the other tasks do nothing. Counts the state transitions Step
 * Functions would bill (every state entered) and the checks made.
 */
export async function countTransitionsOfCreate(
  definition: WorkflowDefinition,
  options: { createSeconds: number; firstWaitSeconds?: number },
): Promise<{ transitions: number; checks: number; simulatedSeconds: number }> {
  let clock = 0;
  let pendingWait = 0;
  let checks = 0;
  const deps = {
    clusters: {
      describeCluster: async (name: string) => {
        clock += pendingWait;
        return { name, status: clock >= options.createSeconds ? 'ACTIVE' : 'CREATING', tags: {} };
      },
    },
    operations: { update: async () => ({}) },
    now: () => new Date(clock * 1000),
  } as unknown as ClusterDeps;
  const handlers: Record<string, (input: never) => Promise<unknown>> = {
    CheckControlPlane: async (input: never) => {
      checks++;
      const check = await checkControlPlane(deps, input);
      pendingWait = check.ready ? 0 : check.waitSeconds;
      return check;
    },
  };
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.keys(definition.taskFunctions).map((state) => [
      state,
      handlers[state] ?? (async () => ({ rollback: false })),
    ]),
  );
  const waitTimeOverrides = Object.fromEntries(
    Object.entries(definition.definition.States as Record<string, { Type: string }>)
      .filter(([, s]) => s.Type === 'Wait')
      .map(([name]) => [name, 0]),
  );
  const machine = new StateMachine(definition.definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(
    {
      operationId: 'op-sim',
      spec: { name: 'sim', namespaces: [], access: [], onFailure: 'keep' },
      components: [],
      waitSeconds: options.firstWaitSeconds ?? 30,
      resumeFrom: 'RequestControlPlane',
    } as never,
    { overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, waitTimeOverrides } },
  );
  let transitions = 0;
  const counting = (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<{ type: string }>)
      if (event.type === 'StateEntered') transitions++;
  })();
  await execution.result;
  await counting;
  return { transitions, checks, simulatedSeconds: clock };
}
