import './promise-polyfill';
import { StateMachine } from 'aws-local-stepfunctions';

type EventLog = { type: string; state?: { name: string } };
import type { Logger } from '../../kernel/logger';
import type { ExecutionState, WorkflowName, WorkflowStarter } from '../../operations/ports/workflows';
import type { WorkflowDefinition } from './workflow-definitions';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface LocalExecution {
  executionId: string;
  workflow: string;
  name: string;
  status: ExecutionStatus;
  input: unknown;
  output?: unknown;
  error?: { Error: string; Cause?: unknown };
  startedAt: string;
  stoppedAt?: string;
  /** Every state entered, in order: the local equivalent of Step Functions' billed transitions. */
  statesEntered: string[];
}

export interface LocalWorkflowEngineOptions {
  definitions: WorkflowDefinition[];
  /** Runs a serverless function by name with a task's input: the same handler Lambda runs (for `workflow`'s task). */
  invokeFunction: (functionName: string, input: unknown, workflow: string) => Promise<unknown>;
  /** Milliseconds between Retry attempts instead of the definition's IntervalSeconds (tests). */
  retryIntervalMs?: number;
  logger?: Logger;
}

/**
 * Runs the ASL definitions from `workflows/` in-process with aws-local-stepfunctions, each Task state
 * calling the function the deployed state machine would invoke. Implements the same WorkflowStarter
 * port as Step Functions, including "same execution name = same execution".
 */
export class LocalWorkflowEngine implements WorkflowStarter {
  private readonly machines = new Map<string, { machine: StateMachine; definition: WorkflowDefinition }>();
  private readonly executions = new Map<
    string,
    LocalExecution & { done: Promise<LocalExecution>; abort: () => void }
  >();

  constructor(private readonly options: LocalWorkflowEngineOptions) {
    for (const definition of options.definitions) {
      // Validation costs ~70 ms per machine: build each once.
      const machine = new StateMachine(definition.definition as never, { validationOptions: { checkArn: false } });
      this.machines.set(definition.name, { machine, definition });
    }
  }

  async start(workflow: WorkflowName, executionName: string, input: object): Promise<{ executionId: string }> {
    const executionId = `${workflow}:${executionName}`;
    if (this.executions.has(executionId)) return { executionId };
    const entry = this.machines.get(workflow);
    if (!entry) throw new Error(`no workflow named ${workflow}`);
    const run = entry.machine.run(input as never, { overrides: this.overridesFor(entry.definition) });
    const record: LocalExecution = {
      executionId,
      workflow,
      name: executionName,
      status: 'RUNNING',
      input,
      startedAt: new Date().toISOString(),
      statesEntered: [],
    };
    const done = this.follow(record, run.result, run.eventLogs);
    this.executions.set(executionId, Object.assign(record, { done, abort: run.abort }));
    return { executionId };
  }

  async stop(workflow: WorkflowName, executionName: string): Promise<void> {
    const execution = this.executions.get(`${workflow}:${executionName}`);
    if (execution?.status === 'RUNNING') execution.abort();
  }

  async transitions(workflow: WorkflowName, executionName: string): Promise<number | undefined> {
    return this.executions.get(`${workflow}:${executionName}`)?.statesEntered.length;
  }

  async status(workflow: WorkflowName, executionName: string): Promise<ExecutionState> {
    const execution = this.executions.get(`${workflow}:${executionName}`);
    if (!execution) return 'NOT_FOUND';
    return execution.status === 'RUNNING' ? 'RUNNING' : 'ENDED';
  }

  get(executionId: string): LocalExecution | undefined {
    return this.executions.get(executionId);
  }

  list(): LocalExecution[] {
    return [...this.executions.values()];
  }

  /** Resolves when the execution stops, whatever its outcome. */
  async waitFor(executionId: string): Promise<LocalExecution> {
    const execution = this.executions.get(executionId);
    if (!execution) throw new Error(`no execution ${executionId}`);
    return execution.done;
  }

  /** Aborts every running execution (shutdown). */
  async close(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const execution of running) execution.abort();
    await Promise.allSettled(running.map((e) => e.done));
  }

  private overridesFor(definition: WorkflowDefinition) {
    const taskResourceLocalHandlers = Object.fromEntries(
      Object.entries(definition.taskFunctions).map(([state, fn]) => [
        state,
        (input: unknown) => this.options.invokeFunction(fn, input, definition.name) as never,
      ]),
    );
    const states = Object.entries(
      (definition.definition.States ?? {}) as Record<string, { Type: string; Retry?: unknown; Seconds?: number }>,
    );
    const { retryIntervalMs } = this.options;
    const retryIntervalOverrides =
      retryIntervalMs === undefined
        ? undefined
        : Object.fromEntries(states.filter(([, s]) => s.Retry).map(([name]) => [name, retryIntervalMs]));
    return { taskResourceLocalHandlers, retryIntervalOverrides };
  }

  private async follow(
    record: LocalExecution,
    result: Promise<unknown>,
    events: AsyncGenerator<EventLog>,
  ): Promise<LocalExecution> {
    const counting = (async () => {
      for await (const event of events)
        if (event.type === 'StateEntered' && event.state) record.statesEntered.push(event.state.name);
    })();
    try {
      record.output = await result;
      record.status = 'SUCCEEDED';
    } catch (error) {
      // The engine wraps the failing state's error (e.g. a Fail state's Error/Cause) in an ExecutionError.
      const e = error as Error & { cause?: unknown };
      const inner = e.cause instanceof Error ? e.cause : e;
      record.status = e.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
      record.error = { Error: inner.name, Cause: inner.message };
      if (record.status === 'FAILED')
        this.options.logger?.warn('workflow failed', { execution: record.executionId, error: record.error });
    }
    record.stoppedAt = new Date().toISOString();
    await counting.catch(() => undefined);
    return record;
  }
}
