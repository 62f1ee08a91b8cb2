import path from 'node:path';
import { LocalWorkflowEngine } from '../../shared/adapters/local/local-workflow-engine';
import { loadWorkflowDefinition } from '../../shared/adapters/local/workflow-definitions';

const root = path.resolve(__dirname, '../..');
const definition = loadWorkflowDefinition(root, 'provision-cluster');

const input = {
  operationId: 'op-1',
  spec: { name: 'prod-eu', namespaces: ['team-a'] },
  waitSeconds: 0,
};

type Handler = (input: any) => Promise<unknown>;

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Fake task functions: by default the cluster is CREATING once, then ACTIVE; every call is recorded. */
function fakeFunctions(overrides: Record<string, Handler> = {}) {
  const calls: Array<{ fn: string; input: any }> = [];
  const statuses = ['CREATING', 'ACTIVE'];
  const handlers: Record<string, Handler> = {
    provisionRequestControlPlane: async () => ({ ignored: true }),
    provisionCheckControlPlane: async () => ({ clusterStatus: statuses.shift() ?? 'ACTIVE', waitSeconds: 0 }),
    provisionApplyBaseline: async () => undefined,
    provisionComplete: async () => undefined,
    provisionFail: async () => undefined,
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

function engineWith(fakes: ReturnType<typeof fakeFunctions>) {
  return new LocalWorkflowEngine({
    definitions: [definition],
    invokeFunction: fakes.invokeFunction,
    retryIntervalMs: 1,
  });
}

async function run(engine: LocalWorkflowEngine, name = 'op-1', workflowInput: object = input) {
  const { executionId } = await engine.start('provision-cluster', name, workflowInput);
  return engine.waitFor(executionId);
}

describe('provision-cluster workflow on the local engine', () => {
  it('happy path: waits while CREATING, then applies the baseline and completes', async () => {
    // Prepare
    const fakes = fakeFunctions();
    const engine = engineWith(fakes);

    // Act
    const execution = await run(engine);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual([
      'RequestControlPlane',
      'CheckControlPlane',
      'IsControlPlaneActive',
      'WaitForControlPlane',
      'GrowWait',
      'CheckControlPlane',
      'IsControlPlaneActive',
      'ApplyBaseline',
      'CompleteProvisioning',
    ]);
    expect(fakes.calls.map((c) => c.fn)).toEqual([
      'provisionRequestControlPlane',
      'provisionCheckControlPlane',
      'provisionCheckControlPlane',
      'provisionApplyBaseline',
      'provisionComplete',
    ]);
    expect(fakes.calls.some((c) => c.fn === 'provisionFail')).toBe(false);
  });

  it('gives each task the workflow input; ResultPath null keeps task output out of it', async () => {
    // Prepare
    const fakes = fakeFunctions();
    const engine = engineWith(fakes);

    // Act
    await run(engine);

    // Assess
    expect(fakes.calls[0].input).toEqual(input); // RequestControlPlane's output ({ignored: true}) is discarded
    expect(fakes.calls[1].input).toEqual(input);
    // After GrowWait: the doubled wait from the check replaces waitSeconds, the check itself is dropped.
    expect(fakes.calls[2].input).toEqual({ operationId: 'op-1', spec: input.spec, waitSeconds: 0 });
    expect(fakes.calls[3].input).toEqual({ ...input, check: { clusterStatus: 'ACTIVE', waitSeconds: 0 } });
  });

  it("carries the check's waitSeconds into the next pass", async () => {
    // Prepare: the first check asks for a 0 s wait, then ACTIVE; the wait value is what GrowWait copies.
    const waits: number[] = [];
    const fakes = fakeFunctions({
      provisionCheckControlPlane: async (taskInput: { waitSeconds: number }) => {
        waits.push(taskInput.waitSeconds);
        return waits.length < 3
          ? { clusterStatus: 'CREATING', waitSeconds: 0 }
          : { clusterStatus: 'ACTIVE', waitSeconds: 0 };
      },
    });

    // Act
    const execution = await run(engineWith(fakes));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(waits).toEqual([0, 0, 0]);
    expect(execution.statesEntered.filter((s) => s === 'WaitForControlPlane')).toHaveLength(2);
  });

  it('a DependencyError in ApplyBaseline is caught: FailProvisioning gets $.error, the execution fails as ProvisioningFailed', async () => {
    // Prepare
    const fakes = fakeFunctions({
      provisionApplyBaseline: async () => {
        throw namedError('DependencyError', 'namespace team-a: forbidden');
      },
    });

    // Act
    const execution = await run(engineWith(fakes));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('ProvisioningFailed');
    expect(fakes.calls.filter((c) => c.fn === 'provisionApplyBaseline')).toHaveLength(1); // not retried
    const fail = fakes.calls.find((c) => c.fn === 'provisionFail')!;
    expect(fail.input.error.Error).toBe('DependencyError');
    expect(String(fail.input.error.Cause)).toContain('namespace team-a: forbidden');
    expect(fail.input.operationId).toBe('op-1');
    expect(fail.input.spec).toEqual(input.spec);
    expect(fakes.calls.some((c) => c.fn === 'provisionComplete')).toBe(false);
    expect(execution.statesEntered.slice(-3)).toEqual(['ApplyBaseline', 'FailProvisioning', 'ProvisioningFailed']);
  });

  it('a DependencyError in RequestControlPlane goes straight to FailProvisioning', async () => {
    // Prepare
    const fakes = fakeFunctions({
      provisionRequestControlPlane: async () => {
        throw namedError('ConflictError', 'cluster prod-eu already exists');
      },
    });

    // Act
    const execution = await run(engineWith(fakes));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.statesEntered).toEqual(['RequestControlPlane', 'FailProvisioning', 'ProvisioningFailed']);
    expect(fakes.calls.find((c) => c.fn === 'provisionFail')!.input.error.Error).toBe('ConflictError');
  });

  it.each(['TransientError', 'ThrottledError'])('retries a %s and then succeeds', async (errorName) => {
    // Prepare
    let baselineAttempts = 0;
    const fakes = fakeFunctions({
      provisionApplyBaseline: async () => {
        baselineAttempts++;
        if (baselineAttempts <= 2) throw namedError(errorName, 'API server not ready');
      },
    });

    // Act
    const execution = await run(engineWith(fakes));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(baselineAttempts).toBe(3);
    expect(fakes.calls.some((c) => c.fn === 'provisionFail')).toBe(false);
    expect(execution.statesEntered.at(-1)).toBe('CompleteProvisioning');
  });

  it('gives up on a TransientError after 1 + 6 attempts and fails the provisioning', async () => {
    // Prepare
    let attempts = 0;
    const fakes = fakeFunctions({
      provisionCheckControlPlane: async () => {
        attempts++;
        throw namedError('TransientError', 'still failing');
      },
    });

    // Act
    const execution = await run(engineWith(fakes));

    // Assess
    expect(attempts).toBe(7);
    expect(execution.status).toBe('FAILED');
    expect(fakes.calls.find((c) => c.fn === 'provisionFail')!.input.error.Error).toBe('TransientError');
  });

  it('starting the same execution name twice runs it once', async () => {
    // Prepare
    const fakes = fakeFunctions();
    const engine = engineWith(fakes);

    // Act
    const first = await engine.start('provision-cluster', 'op-1', input);
    const second = await engine.start('provision-cluster', 'op-1', input);
    const execution = await engine.waitFor(first.executionId);

    // Assess
    expect(second.executionId).toBe(first.executionId);
    expect(engine.list()).toHaveLength(1);
    expect(execution.status).toBe('SUCCEEDED');
    expect(fakes.calls.filter((c) => c.fn === 'provisionRequestControlPlane')).toHaveLength(1);
    expect(fakes.calls.filter((c) => c.fn === 'provisionComplete')).toHaveLength(1);
  });

  it('runs executions with different names separately', async () => {
    // Prepare
    const fakes = fakeFunctions({
      provisionCheckControlPlane: async () => ({ clusterStatus: 'ACTIVE', waitSeconds: 0 }),
    });
    const engine = engineWith(fakes);

    // Act
    const a = await run(engine, 'op-a', { ...input, operationId: 'op-a' });
    const b = await run(engine, 'op-b', { ...input, operationId: 'op-b' });

    // Assess
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(fakes.calls.filter((c) => c.fn === 'provisionComplete').map((c) => c.input.operationId)).toEqual([
      'op-a',
      'op-b',
    ]);
  });
});
