import './promise-polyfill';
import { StateMachine } from 'aws-local-stepfunctions';

import { type Clock, systemClock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { ExecutionState, WorkflowName, WorkflowStarter } from '../../operations/ports/workflows';
import { type ClockStates, clockStates, retryingOnClock, waitEndsAt } from './clock-states';
import type { WorkflowDefinition } from './workflow-definitions';

type EventLog = { type: string; state?: { name: string } };

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
  /**
   * What Wait states and retry backoffs sleep on: the sandbox's clock, which a test advances instead of waiting
   * (clock-states.ts). Real time by default.
   */
  clock?: Clock;
  logger?: Logger;
}

/** The definitions (as text) this process has validated: an engine starts with every runtime, a test file starts
 * many runtimes, and validating costs ~70 ms a machine (asl-validator compiles its JSON schema each time). */
const validated = new Set<string>();

function stateMachine(definition: unknown): StateMachine {
  const text = JSON.stringify(definition);
  const validationOptions = validated.has(text) ? { noValidate: true } : { checkArn: false };
  const machine = new StateMachine(definition as never, { validationOptions });
  validated.add(text);
  return machine;
}

/**
 * Runs the ASL definitions from `workflows/` in-process with aws-local-stepfunctions, each Task state
 * calling the function the deployed state machine would invoke. Implements the same WorkflowStarter
 * port as Step Functions, including "same execution name = same execution".
 */
export class LocalWorkflowEngine implements WorkflowStarter {
  private readonly machines = new Map<
    string,
    { machine: StateMachine; definition: WorkflowDefinition; states: ClockStates }
  >();
  private readonly executions = new Map<
    string,
    LocalExecution & { done: Promise<LocalExecution>; abort: () => void }
  >();
  private readonly clock: Clock;

  constructor(private readonly options: LocalWorkflowEngineOptions) {
    this.clock = options.clock ?? systemClock;
    for (const definition of options.definitions) {
      const states = clockStates(definition.definition);
      const machine = stateMachine(states.definition);
      this.machines.set(definition.name, { machine, definition, states });
    }
  }

  async start(workflow: WorkflowName, executionName: string, input: object): Promise<{ executionId: string }> {
    const executionId = `${workflow}:${executionName}`;
    if (this.executions.has(executionId)) return { executionId };
    const entry = this.machines.get(workflow);
    if (!entry) throw new Error(`no workflow named ${workflow}`);
    // Stopping the execution also cancels its sleeps on the clock.
    const sleeps = new AbortController();
    const run = entry.machine.run(input as never, { overrides: this.overridesFor(entry, sleeps.signal) });
    const abort = () => {
      sleeps.abort();
      run.abort();
    };
    const record: LocalExecution = {
      executionId,
      workflow,
      name: executionName,
      status: 'RUNNING',
      input,
      startedAt: this.clock.now().toISOString(),
      statesEntered: [],
    };
    const done = this.follow(record, run.result, run.eventLogs).finally(() => sleeps.abort());
    this.executions.set(executionId, Object.assign(record, { done, abort }));
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

  private overridesFor(entry: { definition: WorkflowDefinition; states: ClockStates }, signal: AbortSignal) {
    const { definition, states } = entry;
    const tasks = Object.entries(definition.taskFunctions).map(([state, fn]) => {
      const invoke = (input: unknown) => this.options.invokeFunction(fn, input, definition.name);
      const retriers = states.retries.get(state);
      return [state, retriers ? retryingOnClock(retriers, this.clock, signal, invoke) : invoke] as const;
    });
    const waits = [...states.waits].map(
      ([state, end]) =>
        [
          state,
          async (input: unknown) => {
            await this.clock.sleepUntil(waitEndsAt(end, input, this.clock.now()), signal);
            return input;
          },
        ] as const,
    );
    const taskResourceLocalHandlers = Object.fromEntries([...tasks, ...waits]) as Record<string, never>;
    // The backoff was slept on the clock by the task's handler before it rethrew.
    const retryIntervalOverrides = Object.fromEntries([...states.retries.keys()].map((state) => [state, 0]));
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
    record.stoppedAt = this.clock.now().toISOString();
    await counting.catch(() => undefined);
    return record;
  }
}
