import path from 'node:path';
import { LocalWorkflowEngine } from '../../core/adapters/local/local-workflow-engine';
import { loadWorkflowDefinition } from '../../core/adapters/local/workflow-definitions';
import { SandboxClock } from '../../local/sandbox-clock';
import { autoAdvance } from '../helpers/test-clock';

/**
 * What keeps a workflow safe on Step Functions, checked on the definitions and run on the local engine
 * (aws-local-stepfunctions): Lambda's own errors retried everywhere, no rollback on anything but a definite
 * failure, every wait loop capped and failing with the cap named, payloads under 256 KiB with 50 components.
 */
const root = path.resolve(__dirname, '../..');
const WORKFLOWS = ['provision-cluster', 'delete-cluster', 'rollout', 'scale-nodegroup'] as const;
const LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Sandbox.Timedout',
];
/** Step Functions' limit on a state's input or output. */
const PAYLOAD_LIMIT_BYTES = 256 * 1024;
/** Step Functions' limit on an execution's history; a cap must stay far below it. */
const HISTORY_LIMIT_EVENTS = 25_000;

type State = { Type: string; Retry?: Array<{ ErrorEquals: string[]; BackoffRate?: number }>; [k: string]: any };

function tasksOf(states: Record<string, State>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, s]) => [
    ...(s.Type === 'Task' ? [[name, s] as [string, State]] : []),
    ...(s.Type === 'Map' ? tasksOf(s.ItemProcessor.States) : []),
  ]);
}

function stateTypes(states: Record<string, State>): Map<string, string> {
  return new Map(
    Object.entries(states).flatMap(([name, s]) => [
      [name, s.Type] as [string, string],
      ...(s.Type === 'Map' ? stateTypes(s.ItemProcessor.States) : []),
    ]),
  );
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

async function run(workflow: string, handlers: Record<string, (input: any) => Promise<unknown>>, input: object) {
  const calls: Array<{ fn: string; input: any; bytes: number }> = [];
  // Held, and jumped to each Wait's and backoff's end: the retries' real backoffs pass at once.
  const clock = new SandboxClock();
  clock.hold();
  const stopAdvancing = autoAdvance(clock);
  const engine = new LocalWorkflowEngine({
    definitions: [loadWorkflowDefinition(root, workflow as never)],
    clock,
    invokeFunction: async (fn, taskInput) => {
      calls.push({ fn, input: structuredClone(taskInput), bytes: Buffer.byteLength(JSON.stringify(taskInput)) });
      const handler = handlers[fn];
      if (!handler) throw new Error(`no fake for ${fn}`);
      return handler(taskInput);
    },
  });
  const { executionId } = await engine.start(workflow as never, 'op-1', input);
  return { execution: await engine.waitFor(executionId).finally(stopAdvancing), calls };
}

const provisionInput = (components: Array<{ kind: string; name: string }>, spec: object = {}) => ({
  operationId: 'op-1',
  spec: { name: 'prod-eu', namespaces: [], onFailure: 'rollback', ...spec },
  components,
  waitSeconds: 0,
  resumeFrom: 'RequestControlPlane',
});

const ready = async () => ({ ready: true, status: 'ACTIVE', waitSeconds: 0 });
const provisionFakes = (overrides: Record<string, (input: any) => Promise<unknown>> = {}) => ({
  provisionRequestControlPlane: async () => undefined,
  provisionCheckControlPlane: ready,
  provisionEnsureComponent: async () => undefined,
  provisionCheckComponent: ready,
  provisionApplyAccess: async () => undefined,
  provisionApplyBaseline: async () => undefined,
  provisionComplete: async () => undefined,
  // The real task decides from `undecided` (provision-cluster-steps recordFailure); the fake does the same.
  provisionFail: async (i: { undecided?: boolean }) => ({ rollback: !i.undecided }),
  provisionRollback: ready,
  provisionFinishFailed: async () => undefined,
  ...overrides,
});

describe('workflow safety', () => {
  it.each(WORKFLOWS)("%s: every Task retries Lambda's own errors, with backoff", (workflow) => {
    // Prepare
    const { definition } = loadWorkflowDefinition(root, workflow);

    // Act
    const missing = tasksOf(definition.States as Record<string, State>).flatMap(([name, task]) =>
      LAMBDA_ERRORS.filter(
        (error) => !task.Retry?.some((r) => r.ErrorEquals.includes(error) && (r.BackoffRate ?? 1) > 1),
      ).map((error) => `${name}: ${error}`),
    );

    // Assess
    expect(missing).toEqual([]);
  });

  it('a transient error whose retries run out fails the provisioning without a rollback: nothing is deleted', async () => {
    // Prepare
    const fakes = provisionFakes({
      provisionApplyBaseline: async () => {
        throw namedError('TransientError', 'connect ETIMEDOUT 10.0.1.5:443');
      },
    });

    // Act
    const { execution, calls } = await run('provision-cluster', fakes, provisionInput([]));

    // Assess
    expect(execution.status).toBe('FAILED');
    const failure = calls.find((c) => c.fn === 'provisionFail');
    expect(failure?.input).toMatchObject({ undecided: true, error: { Error: 'TransientError' } });
    expect(calls.map((c) => c.fn)).not.toContain('provisionRollback');
  });

  it('a definite failure (a node group CREATE_FAILED) may roll back', async () => {
    // Prepare
    const fakes = provisionFakes({
      provisionCheckComponent: async () => {
        throw namedError('DependencyError', 'nodegroup general is CREATE_FAILED');
      },
    });

    // Act
    const { execution, calls } = await run(
      'provision-cluster',
      fakes,
      provisionInput([{ kind: 'nodegroup', name: 'general' }]),
    );

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(calls.find((c) => c.fn === 'provisionFail')?.input.undecided).toBeUndefined();
    expect(calls.map((c) => c.fn)).toContain('provisionRollback');
  });

  it.each([
    [
      'provision-cluster control plane',
      'provision-cluster',
      'provisionFail',
      provisionFakes({
        provisionCheckControlPlane: async () => ({ ready: false, status: 'CREATING', waitSeconds: 0 }),
      }),
      provisionInput([]),
    ],
    [
      'provision-cluster component',
      'provision-cluster',
      'provisionFail',
      provisionFakes({ provisionCheckComponent: async () => ({ ready: false, status: 'CREATING', waitSeconds: 0 }) }),
      provisionInput([{ kind: 'addon', name: 'vpc-cni' }]),
    ],
    [
      'delete-cluster teardown',
      'delete-cluster',
      'deleteClusterFail',
      {
        deleteClusterStep: async () => ({ ready: false, status: 'DELETING', waitSeconds: 0 }),
        deleteClusterFail: async () => undefined,
      },
      { operationId: 'op-1', cluster: 'prod-eu', waitSeconds: 0 },
    ],
    [
      'scale-nodegroup update',
      'scale-nodegroup',
      'scaleFail',
      {
        scaleApply: async () => ({ done: false, waitSeconds: 0 }),
        scaleCheck: async () => ({ done: false, waitSeconds: 0 }),
        scaleFail: async () => undefined,
      },
      { operationId: 'op-1', cluster: 'prod-eu', nodegroup: 'general', waitSeconds: 0 },
    ],
    [
      "rollout passes (a backstop behind the task's continue-as-new at 1,000)",
      'rollout',
      'rolloutFail',
      {
        rolloutReconcile: async (i: { passes?: number }) => ({
          done: false,
          passes: (i.passes ?? 0) + 1,
          waitSeconds: 0,
        }),
        rolloutFail: async () => undefined,
      },
      { rolloutId: 'r-1', run: 1 },
    ],
  ] as const)(
    '%s: a loop that never ends stops at its cap, far below the history limit, and the failure names the cap',
    async (_, workflow, failFn, fakes, input) => {
      // Act
      const { execution, calls } = await run(workflow, fakes as never, input);

      // Assess
      expect(execution.status).toBe('FAILED');
      const failure = calls.find((c) => c.fn === failFn);
      expect(failure?.input.error).toMatchObject({
        Error: 'AttemptCapReached',
        Cause: expect.stringMatching(/attempt cap \d+/),
      });
      // The history Step Functions would write: a Task 5 events (entered, scheduled, started, succeeded,
      // exited), any other state 2. The whole capped run stays under half the limit.
      const types = stateTypes(loadWorkflowDefinition(root, workflow).definition.States as Record<string, State>);
      const events = execution.statesEntered.reduce((n, name) => n + (types.get(name) === 'Task' ? 5 : 2), 0);
      expect(events).toBeLessThan(HISTORY_LIMIT_EVENTS / 2);
      expect(calls.map((c) => c.fn)).not.toContain('provisionRollback');
    },
  );

  it("50 node groups and add-ons: every state's payload stays far under 256 KiB, and the Map returns nothing", async () => {
    // Prepare: a spec of 50 components, each with labels, taints and configuration like a real one
    const components = Array.from({ length: 50 }, (_, i) => ({
      kind: i % 2 ? 'addon' : 'nodegroup',
      name: `part-${i}`,
    }));
    const spec = {
      nodegroups: components
        .filter((c) => c.kind === 'nodegroup')
        .map((c) => ({
          name: c.name,
          instanceTypes: ['m6i.large', 'm6i.xlarge', 'm7i.large'],
          minSize: 1,
          maxSize: 10,
          desiredSize: 3,
          labels: Object.fromEntries(
            Array.from({ length: 10 }, (_, j) => [`team.example.com/label-${j}`, `value-${j}`]),
          ),
          taints: [{ key: 'dedicated', value: c.name, effect: 'NO_SCHEDULE' }],
        })),
      addons: components
        .filter((c) => c.kind === 'addon')
        .map((c) => ({
          name: c.name,
          configurationValues: JSON.stringify({ replicaCount: 2, resources: { limits: { cpu: '500m' } } }),
        })),
    };
    const fakes = provisionFakes();

    // Act
    const { execution, calls } = await run('provision-cluster', fakes, provisionInput(components, spec));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const largest = Math.max(...calls.map((c) => c.bytes), Buffer.byteLength(JSON.stringify(execution.output)));
    expect(largest).toBeLessThan(PAYLOAD_LIMIT_BYTES / 4);
    // The state after the Map holds no iteration results (ResultPath null; each iteration returns {}).
    const access = calls.find((c) => c.fn === 'provisionApplyAccess');
    expect(Object.keys(access?.input ?? {}).sort()).toEqual(
      Object.keys({ ...provisionInput(components, spec), check: {}, controlPlaneChecks: 0 }).sort(),
    );
  });
});
