import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeScheduleDeployer } from '../../../../../shared/adapters/aws/eventbridge-scheduler';

const scheduler = mockClient(SchedulerClient);

describe('EventBridgeScheduleDeployer', () => {
  beforeEach(() => scheduler.reset());

  it("creates the schedule in eksflow's group, with a retry policy and the dead-letter queue on its target", async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({});
    const deployer = new EventBridgeScheduleDeployer(
      {
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:eksflow-prod-scheduledScale',
        roleArn: 'arn:aws:iam::123456789012:role/eksflow-prod-us-east-1-scheduler',
        groupName: 'eksflow-prod',
        deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:eksflow-prod-schedule-dlq',
      },
      new SchedulerClient({ region: 'us-east-1' }),
    );

    // Act
    await deployer.deploy({
      cluster: 'prod-eu',
      nodegroup: 'general',
      name: 'night',
      schedule: 'cron(0 20 * * ? *)',
      timezone: 'UTC',
      desiredSize: 1,
    } as never);

    // Assess
    const input = scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input;
    expect(input.GroupName).toBe('eksflow-prod');
    expect(input.Target).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:eksflow-prod-schedule-dlq' },
    });
  });
});
