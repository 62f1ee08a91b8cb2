/** Names of the workflows in `workflows/` (file `<name>.asl.json`). */
export type WorkflowName = 'provision-cluster' | 'rollout' | 'delete-cluster' | 'scale-nodegroup';

/** Whether an execution is still running, has stopped (whatever its outcome), or was never started. */
export type ExecutionState = 'RUNNING' | 'ENDED' | 'NOT_FOUND';

export interface WorkflowStarter {
  /**
   * Starts an execution. `executionName` is unique per workflow: starting the same name twice with
   * the same input is not an error and starts nothing new (Step Functions semantics), even when
   * that execution has ended. To run again, use a new name.
   */
  start(workflow: WorkflowName, executionName: string, input: object): Promise<{ executionId: string }>;
  /** Stops a running execution; one that has ended or never started is not an error. */
  stop(workflow: WorkflowName, executionName: string): Promise<void>;
  /** The state of the execution named `executionName` (the sweep restarts runs that ended early). */
  status(workflow: WorkflowName, executionName: string): Promise<ExecutionState>;
  /**
   * State transitions of the execution so far (Step Functions bills each): every state entered. Undefined
   * when the execution is unknown. Optional: a starter that cannot tell leaves it out.
   */
  transitions?(workflow: WorkflowName, executionName: string): Promise<number | undefined>;
}
