import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmState } from '../../domain/rollout/analysis';
import type { VerifiedAlarmChange, VerifiedAlarmChanges } from '../../ports/alarms';
import { awsCall, awsErrorName } from './aws-call';
import { expiresAt, VERIFIED_ALARM_CHANGE_TTL_SECONDS } from './ttl';

/**
 * The latest verified change of each alarm in the single eksflow table:
 *   ALARMCHANGE#<name> / LATEST   {state, time, expiresAt}
 * (not ALARM#<name>: that partition is the rollouts' alarm index, whose every item names a rollout).
 */
export class DynamoDbVerifiedAlarmChanges implements VerifiedAlarmChanges {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly now: () => Date = () => new Date(),
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async latestVerified(alarmName: string): Promise<VerifiedAlarmChange | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(alarmName), ConsistentRead: true })),
    );
    if (!out.Item) return undefined;
    return { alarmName, state: out.Item.state as AlarmState, time: out.Item.time as string };
  }

  async recordVerified(change: VerifiedAlarmChange): Promise<void> {
    try {
      await awsCall('DynamoDB PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...key(change.alarmName),
              state: change.state,
              time: change.time,
              expiresAt: expiresAt(this.now(), VERIFIED_ALARM_CHANGE_TTL_SECONDS),
            },
            // CloudWatch writes every timestamp of an alarm in one format, so they order as strings do.
            ConditionExpression: 'attribute_not_exists(pk) OR #time <= :time',
            ExpressionAttributeNames: { '#time': 'time' },
            ExpressionAttributeValues: { ':time': change.time },
          }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw error; // a later change is recorded
    }
  }
}

function key(alarmName: string) {
  return { pk: `ALARMCHANGE#${alarmName}`, sk: 'LATEST' };
}
