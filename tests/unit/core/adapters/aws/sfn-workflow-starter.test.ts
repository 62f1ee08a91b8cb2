import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SfnWorkflowStarter } from '../../../../../core/adapters/aws/sfn-workflow-starter';

const PREFIX = 'arn:aws:states:us-east-1:123456789012:stateMachine:eksflow-dev-';

describe('SfnWorkflowStarter.status', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());

  it.each`
    status               | state
    ${'RUNNING'}         | ${'RUNNING'}
    ${'PENDING_REDRIVE'} | ${'RUNNING'}
    ${'SUCCEEDED'}       | ${'ENDED'}
    ${'FAILED'}          | ${'ENDED'}
    ${'TIMED_OUT'}       | ${'ENDED'}
    ${'ABORTED'}         | ${'ENDED'}
  `('an execution $status is $state', async ({ status, state }) => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({ status });

    // Act
    const result = await new SfnWorkflowStarter(PREFIX, sfn as unknown as SFNClient).status('rollout', 'abc-2');

    // Assess
    expect(result).toBe(state);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:eksflow-dev-rollout:abc-2',
    });
  });

  it('an execution never started is NOT_FOUND', async () => {
    // Prepare
    sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'no such execution', $metadata: {} }));

    // Act / Assess
    expect(await new SfnWorkflowStarter(PREFIX, sfn as unknown as SFNClient).status('rollout', 'abc-1')).toBe(
      'NOT_FOUND',
    );
  });
});
