import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmState } from '../../domain/rollout/analysis';
import type { ChangeCheckOutcome, VerifiedAlarmChange, VerifiedAlarmChanges } from '../../ports/alarms';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';
import { expiresAt, VERIFIED_ALARM_CHANGE_TTL_SECONDS } from './ttl';

/**
 * Alarm changes as checked against CloudWatch, in the single eksflow table:
 *   ALARMCHANGE#<name> / LATEST                 the latest verified change {state, time}
 *   ALARMCHANGE#<name> / CHECK#<time>#<state>   one change's check: {claimedAt} while claimed, then {outcome}
 * Both expire (TTL). Not ALARM#<name>: that partition is the rollouts' alarm index, whose every item names a rollout.
 */
export class DynamoDbVerifiedAlarmChanges implements VerifiedAlarmChanges {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({ ...SDK_RETRY_OFF }),
    private readonly now: () => Date = () => new Date(),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async latestVerified(alarmName: string): Promise<VerifiedAlarmChange | undefined> {
    const item = await this.get(latestKey(alarmName));
    return item && { alarmName, state: item.state as AlarmState, time: item.time as string };
  }

  async claimCheck(change: VerifiedAlarmChange, leaseMs: number): Promise<boolean> {
    const now = this.now().getTime();
    return this.putIf(
      { ...checkKey(change), claimedAt: now, expiresAt: this.expiry() },
      // Free, or claimed by a caller that neither finished nor answered within the lease (it crashed).
      'attribute_not_exists(pk) OR (attribute_not_exists(outcome) AND claimedAt < :stale)',
      { ':stale': now - leaseMs },
    );
  }

  async checkOutcome(change: VerifiedAlarmChange): Promise<ChangeCheckOutcome | undefined> {
    return (await this.get(checkKey(change)))?.outcome as ChangeCheckOutcome | undefined;
  }

  async recordCheck(change: VerifiedAlarmChange, outcome: ChangeCheckOutcome): Promise<void> {
    await this.putIf({ ...checkKey(change), claimedAt: this.now().getTime(), outcome, expiresAt: this.expiry() });
    if (!outcome.current) return;
    await this.putIf(
      { ...latestKey(change.alarmName), state: change.state, time: change.time, expiresAt: this.expiry() },
      // CloudWatch writes every timestamp of an alarm in one format, so they order as strings do.
      'attribute_not_exists(pk) OR #time <= :time',
      { ':time': change.time },
      { '#time': 'time' },
    );
  }

  private expiry(): number {
    return expiresAt(this.now(), VERIFIED_ALARM_CHANGE_TTL_SECONDS);
  }

  private async get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return out.Item;
  }

  /** A put, conditional when `condition` is given: false when the condition failed. */
  private async putIf(
    item: Record<string, unknown>,
    condition?: string,
    values?: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    try {
      await awsCall('DynamoDB PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ...(condition
              ? { ConditionExpression: condition, ExpressionAttributeValues: values, ExpressionAttributeNames: names }
              : {}),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

function latestKey(alarmName: string) {
  return { pk: `ALARMCHANGE#${alarmName}`, sk: 'LATEST' };
}

function checkKey(change: VerifiedAlarmChange) {
  return { pk: `ALARMCHANGE#${change.alarmName}`, sk: `CHECK#${change.time}#${change.state}` };
}
