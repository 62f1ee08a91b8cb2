// In-memory test doubles of the ports, shared by the use-case and workflow tests.
import type { ExecutionState, WorkflowName, WorkflowStarter } from '../../core/operations/ports/workflows';

/** Records starts; every started execution counts as RUNNING until `end(name)` says it stopped. */
export class FakeWorkflowStarter implements WorkflowStarter {
  readonly started: Array<{ workflow: WorkflowName; executionName: string; input: object }> = [];
  readonly ended = new Set<string>();
  failWith?: Error;

  async start(workflow: WorkflowName, executionName: string, input: object): Promise<{ executionId: string }> {
    if (this.failWith) throw this.failWith;
    this.started.push({ workflow, executionName, input });
    return { executionId: `${workflow}:${executionName}` };
  }

  readonly stopped: Array<{ workflow: WorkflowName; executionName: string }> = [];

  async stop(workflow: WorkflowName, executionName: string): Promise<void> {
    this.stopped.push({ workflow, executionName });
  }

  async status(workflow: WorkflowName, executionName: string): Promise<ExecutionState> {
    if (!this.started.some((s) => s.workflow === workflow && s.executionName === executionName)) return 'NOT_FOUND';
    return this.ended.has(executionName) ? 'ENDED' : 'RUNNING';
  }

  /** The execution stopped (succeeded, failed, timed out…). */
  end(executionName: string): void {
    this.ended.add(executionName);
  }
}

/** A clock that only moves when told to. */
export function fixedClock(iso: string) {
  const clock = {
    ms: new Date(iso).getTime(),
    now: () => new Date(clock.ms),
    advance: (ms: number) => {
      clock.ms += ms;
    },
  };
  return clock;
}
