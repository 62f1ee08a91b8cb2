import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotencyStore, StoredAnswer } from '../../ports/idempotency';
import { TransientError } from '../../errors';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';

/** How often a claim is tried when the record it lost to has just expired or been released. */
const CLAIM_ATTEMPTS = 3;

/**
 * Idempotency records in the single eksflow table:
 *   IDEMPOTENCY#<hash of caller and key> / IDEMPOTENCY   {fingerprint, claim, lockedUntil, expiresAt, answer?}
 * `expiresAt` is the table's TTL attribute (24 h). Every write is conditional: a claim only on a record that is
 * absent, expired or a lapsed in-progress claim; completing and releasing only by the claim's holder.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({ ...SDK_RETRY_OFF }),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async claim(record: IdempotencyRecord, now: Date): Promise<IdempotencyRecord | undefined> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    for (let attempt = 1; ; attempt++) {
      const taken = await this.putIf(
        { ...keyOf(record.id), ...withoutAnswer(record) },
        'attribute_not_exists(pk) OR expiresAt < :now OR (attribute_not_exists(answer) AND lockedUntil < :now)',
        { ':now': nowSeconds },
      );
      if (taken) return undefined;
      const held = await this.get(record.id);
      if (held) return held;
      // Gone between the two calls (released, or deleted by TTL): claim again, a few times.
      if (attempt >= CLAIM_ATTEMPTS)
        throw new TransientError('the idempotency record kept changing while it was claimed; send the request again');
    }
  }

  async complete(id: string, claim: string, answer: StoredAnswer, expiresAt: number): Promise<void> {
    const held = await this.get(id);
    if (!held || held.claim !== claim) return;
    await this.putIf({ ...keyOf(id), ...held, answer, expiresAt }, 'claim = :claim', { ':claim': claim });
  }

  async release(id: string, claim: string): Promise<void> {
    try {
      await awsCall('DynamoDB DeleteItem', () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: keyOf(id),
            ConditionExpression: 'claim = :claim',
            ExpressionAttributeValues: { ':claim': claim },
          }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }

  private async get(id: string): Promise<IdempotencyRecord | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keyOf(id), ConsistentRead: true })),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    return record as IdempotencyRecord;
  }

  /** A conditional PutItem: false when the condition refused it. */
  private async putIf(item: Record<string, unknown>, condition: string, values: Record<string, unknown>) {
    try {
      await awsCall('DynamoDB PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: condition,
            ExpressionAttributeValues: values,
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

function keyOf(id: string) {
  return { pk: `IDEMPOTENCY#${id}`, sk: 'IDEMPOTENCY' };
}

function withoutAnswer({ answer: _answer, ...rest }: IdempotencyRecord) {
  return rest;
}
