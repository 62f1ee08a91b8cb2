import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { ExecutionState, WorkflowName, WorkflowStarter } from '../../operations/ports/workflows';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';

/** Starts Step Functions executions; the execution name makes a repeated start a no-op. */
export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly stateMachineArnPrefix: string,
    private readonly sfn: SFNClient = new SFNClient({ ...SDK_RETRY_OFF }),
  ) {}

  async start(workflow: WorkflowName, executionName: string, input: object): Promise<{ executionId: string }> {
    const stateMachineArn = this.stateMachineArnPrefix + workflow;
    const executionArn = this.executionArn(workflow, executionName);
    try {
      const out = await awsCall('Step Functions StartExecution', () =>
        this.sfn.send(
          new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }),
        ),
      );
      return { executionId: out.executionArn ?? executionArn };
    } catch (error) {
      // Started before (an event delivered twice): the first execution is the one that counts.
      if (awsErrorName(error) === 'ExecutionAlreadyExists') return { executionId: executionArn };
      throw error;
    }
  }

  async stop(workflow: WorkflowName, executionName: string): Promise<void> {
    const executionArn = this.executionArn(workflow, executionName);
    try {
      await awsCall('Step Functions StopExecution', () =>
        this.sfn.send(new StopExecutionCommand({ executionArn, cause: 'outdated by a newer run of the same rollout' })),
      );
    } catch (error) {
      if (awsErrorName(error) === 'ExecutionDoesNotExist') return;
      throw error;
    }
  }

  async status(workflow: WorkflowName, executionName: string): Promise<ExecutionState> {
    try {
      const out = await awsCall('Step Functions DescribeExecution', () =>
        this.sfn.send(new DescribeExecutionCommand({ executionArn: this.executionArn(workflow, executionName) })),
      );
      // PENDING_REDRIVE: a redrive is about to run it again, so it is as good as running.
      return out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE' ? 'RUNNING' : 'ENDED';
    } catch (error) {
      if (awsErrorName(error) === 'ExecutionDoesNotExist') return 'NOT_FOUND';
      throw error;
    }
  }

  /** Counts the `…StateEntered` events of the execution's history (each is one billed transition). */
  async transitions(workflow: WorkflowName, executionName: string): Promise<number | undefined> {
    const executionArn = this.executionArn(workflow, executionName);
    let count = 0;
    let nextToken: string | undefined;
    try {
      do {
        const out = await awsCall('Step Functions GetExecutionHistory', () =>
          this.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 })),
        );
        count += (out.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length;
        nextToken = out.nextToken;
      } while (nextToken);
      return count;
    } catch (error) {
      if (awsErrorName(error) === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }

  private executionArn(workflow: WorkflowName, executionName: string): string {
    return `${(this.stateMachineArnPrefix + workflow).replace(':stateMachine:', ':execution:')}:${executionName}`;
  }
}
