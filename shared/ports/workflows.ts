/** Names of the workflows in `workflows/` (file `<name>.asl.json`). */
export type WorkflowName = 'provision-cluster' | 'rollout';

export interface WorkflowStarter {
  /**
   * Starts an execution. `executionName` is unique per workflow: starting the same name twice with
   * the same input is not an error and starts nothing new (Step Functions semantics).
   */
  start(workflow: WorkflowName, executionName: string, input: object): Promise<{ executionId: string }>;
  /** Stops a running execution; one that has ended or never started is not an error. */
  stop(workflow: WorkflowName, executionName: string): Promise<void>;
}
