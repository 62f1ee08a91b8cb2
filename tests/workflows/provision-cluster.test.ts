import path from 'node:path';
import { LocalWorkflowEngine } from '../../core/adapters/local/local-workflow-engine';
import { loadWorkflowDefinition } from '../../core/adapters/local/workflow-definitions';
import { SandboxClock } from '../../local/sandbox-clock';
import { defined } from '../helpers/defined';
import { countTransitionsOfCreate } from '../helpers/provision-clock';
import { autoAdvance } from '../helpers/test-clock';

const root = path.resolve(__dirname, '../..');
const definition = loadWorkflowDefinition(root, 'provision-cluster');

const input = {
  operationId: 'op-1',
  spec: { name: 'prod-eu', namespaces: [], onFailure: 'rollback' },
  components: [
    { kind: 'nodegroup', name: 'general' },
    { kind: 'addon', name: 'vpc-cni' },
  ],
  waitSeconds: 0,
  resumeFrom: 'RequestControlPlane',
};

type Handler = (input: any) => Promise<unknown>;

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Fake task functions: the control plane and each component are CREATING once, then ACTIVE; every call is recorded. */
function fakeFunctions(overrides: Record<string, Handler> = {}) {
  const calls: Array<{ fn: string; input: any }> = [];
  const checks = new Map<string, number>();
  const onceThenReady = (key: string) => {
    const seen = (checks.get(key) ?? 0) + 1;
    checks.set(key, seen);
    return { ready: seen > 1, status: seen > 1 ? 'ACTIVE' : 'CREATING', waitSeconds: 0 };
  };
  const handlers: Record<string, Handler> = {
    provisionRequestControlPlane: async () => ({ ignored: true }),
    provisionCheckControlPlane: async () => onceThenReady('cp'),
    provisionEnsureComponent: async () => undefined,
    provisionCheckComponent: async (i: { component: { name: string } }) => onceThenReady(i.component.name),
    provisionApplyAccess: async () => undefined,
    provisionApplyBaseline: async () => undefined,
    provisionComplete: async () => undefined,
    provisionFail: async () => ({ rollback: true }),
    provisionRollback: async () => ({ ready: true, status: 'DELETED', waitSeconds: 0 }),
    provisionFinishFailed: async () => undefined,
    ...overrides,
  };
  const invokeFunction = async (fn: string, taskInput: unknown) => {
    calls.push({ fn, input: structuredClone(taskInput) });
    const handler = handlers[fn];
    if (!handler) throw new Error(`no fake for ${fn}`);
    return handler(taskInput);
  };
  return { calls, invokeFunction };
}

async function run(fakes: ReturnType<typeof fakeFunctions>, workflowInput: object = input) {
  // Held, and jumped to each Wait's and backoff's end: the retries' real backoffs pass at once.
  const clock = new SandboxClock();
  clock.hold();
  const stopAdvancing = autoAdvance(clock);
  const engine = new LocalWorkflowEngine({ definitions: [definition], invokeFunction: fakes.invokeFunction, clock });
  const { executionId } = await engine.start('provision-cluster', 'op-1', workflowInput);
  return engine.waitFor(executionId).finally(stopAdvancing);
}

describe('provision-cluster workflow on the local engine', () => {
  it('happy path: control plane until ACTIVE, then every node group and add-on created and waited for, access, baseline', async () => {
    // Prepare
    const fakes = fakeFunctions();

    // Act
    const execution = await run(fakes);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const fns = fakes.calls.map((c) => c.fn);
    expect(fns.slice(0, 3)).toEqual([
      'provisionRequestControlPlane',
      'provisionCheckControlPlane',
      'provisionCheckControlPlane',
    ]);
    expect(fns.filter((f) => f === 'provisionEnsureComponent')).toHaveLength(2);
    expect(fns.filter((f) => f === 'provisionCheckComponent')).toHaveLength(4);
    expect(fns.slice(-3)).toEqual(['provisionApplyAccess', 'provisionApplyBaseline', 'provisionComplete']);
    expect(fns).not.toContain('provisionFail');
  });

  it('gives each component task its own component, the operation and the spec', async () => {
    // Prepare
    const fakes = fakeFunctions();

    // Act
    await run(fakes);

    // Assess
    const ensured = fakes.calls.filter((c) => c.fn === 'provisionEnsureComponent').map((c) => c.input);
    expect(ensured.map((i) => i.component)).toEqual(expect.arrayContaining(input.components));
    for (const i of ensured) expect(i).toMatchObject({ operationId: 'op-1', spec: input.spec });
  });

  it('a retry resumes at the failed step: nothing before it runs again', async () => {
    // Prepare
    const fakes = fakeFunctions();

    // Act
    const execution = await run(fakes, { ...input, resumeFrom: 'ApplyBaseline' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(fakes.calls.map((c) => c.fn)).toEqual(['provisionApplyBaseline', 'provisionComplete']);
  });

  it('a failed add-on: RecordFailure gets $.error, the rollback runs until done, the execution fails', async () => {
    // Prepare
    let rollbackPasses = 0;
    const fakes = fakeFunctions({
      provisionCheckComponent: async (i: { component: { name: string } }) => {
        if (i.component.name === 'vpc-cni') throw namedError('DependencyError', 'addon vpc-cni is CREATE_FAILED');
        return { ready: true, status: 'ACTIVE', waitSeconds: 0 };
      },
      provisionRollback: async () => {
        rollbackPasses++;
        return { ready: rollbackPasses >= 3, status: 'DELETING', waitSeconds: 0 };
      },
    });

    // Act
    const execution = await run(fakes);

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('ProvisioningFailed');
    const failure = defined(
      fakes.calls.find((c) => c.fn === 'provisionFail'),
      "fakes.calls.find((c) => c.fn === 'provisionFail')",
    );
    expect(failure.input.error.Error).toBe('DependencyError');
    expect(String(failure.input.error.Cause)).toContain('CREATE_FAILED');
    expect(rollbackPasses).toBe(3);
    expect(fakes.calls.at(-1)?.fn).toBe('provisionFinishFailed');
    expect(fakes.calls.map((c) => c.fn)).not.toContain('provisionApplyAccess');
  });

  it('onFailure keep (nothing to roll back): straight from RecordFailure to FinishFailed', async () => {
    // Prepare
    const fakes = fakeFunctions({
      provisionApplyBaseline: async () => {
        throw namedError('DependencyError', 'namespace team-a: forbidden');
      },
      provisionFail: async () => ({ rollback: false }),
    });

    // Act
    const execution = await run(fakes);

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.statesEntered.slice(-4)).toEqual([
      'RecordFailure',
      'ShouldRollBack',
      'FinishFailed',
      'ProvisioningFailed',
    ]);
    expect(fakes.calls.map((c) => c.fn)).not.toContain('provisionRollback');
  });

  it.each(['TransientError', 'ThrottledError'])('retries a %s and then succeeds', async (errorName) => {
    // Prepare
    let attempts = 0;
    const fakes = fakeFunctions({
      provisionApplyBaseline: async () => {
        attempts++;
        if (attempts <= 2) throw namedError(errorName, 'API server not ready');
      },
    });

    // Act
    const execution = await run(fakes);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(attempts).toBe(3);
    expect(fakes.calls.map((c) => c.fn)).not.toContain('provisionFail');
  });

  it('a 15-minute control-plane create on a simulated clock takes at most 40 state transitions', async () => {
    // Act: the real check task's growing waits, on a clock that moves by each Wait
    const { transitions, checks } = await countTransitionsOfCreate(definition, { createSeconds: 15 * 60 });

    // Assess
    expect(transitions).toBeLessThanOrEqual(40);
    expect(checks).toBeLessThanOrEqual(8);
  });
});
