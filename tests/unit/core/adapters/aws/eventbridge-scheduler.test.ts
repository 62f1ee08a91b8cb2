import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeScheduleDeployer } from '../../../../../core/adapters/aws/eventbridge-scheduler';
import { ConflictError } from '../../../../../core/kernel/errors';
import { defined } from '../../../../helpers/defined';

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
    const input = defined(
      scheduler.commandCalls(CreateScheduleCommand)[0],
      'scheduler.commandCalls(CreateScheduleCommand)[0]',
    ).args[0].input;
    expect(input.GroupName).toBe('eksflow-prod');
    expect(input.Target).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:eksflow-prod-schedule-dlq' },
    });
  });

  it('a schedule of that name already in the group is a 409 naming it, never adopted', async () => {
    // Prepare
    scheduler
      .on(CreateScheduleCommand)
      .rejects(Object.assign(new Error('Schedule night already exists.'), { name: 'ConflictException' }));
    const deployer = new EventBridgeScheduleDeployer(
      { functionArn: 'arn:fn', roleArn: 'arn:role', groupName: 'eksflow-prod' },
      new SchedulerClient({ region: 'us-east-1' }),
    );

    // Act
    const error = await deployer
      .deploy({ cluster: 'prod-eu', nodegroup: 'general', name: 'night', schedule: 'rate(1 hour)' } as never)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).status).toBe(409);
    expect((error as ConflictError).message).toContain('night');
    expect((error as ConflictError).details).toEqual([{ field: 'name', reason: 'already exists' }]);
  });
});
