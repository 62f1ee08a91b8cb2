import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbIdempotencyStore } from '../../../../../core/adapters/aws/dynamodb-idempotency-store';
import type { IdempotencyRecord } from '../../../../../core/idempotency/ports/idempotency';
import { defined } from '../../../../helpers/defined';

const ddb = mockClient(DynamoDBDocumentClient);
const store = () => new DynamoDbIdempotencyStore('eksflow', new DynamoDBClient({ region: 'us-east-1' }));
const NOW = new Date('2026-12-07T00:00:00Z');
const record: IdempotencyRecord = { id: 'h', fingerprint: 'f', claim: 'c1', lockedUntil: 1060, expiresAt: 87400 };
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });

describe('DynamoDbIdempotencyStore', () => {
  beforeEach(() => ddb.reset());

  it('claims with one conditional put: absent, expired, or an in-progress claim that lapsed', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const held = await store().claim(record, NOW);

    // Assess
    expect(held).toBeUndefined();
    const put = defined(ddb.commandCalls(PutCommand)[0], 'ddb.commandCalls(PutCommand)[0]').args[0].input;
    expect(put.Item).toEqual({ pk: 'IDEMPOTENCY#h', sk: 'IDEMPOTENCY', ...record });
    expect(put.ConditionExpression).toBe(
      'attribute_not_exists(pk) OR expiresAt < :now OR (attribute_not_exists(answer) AND lockedUntil < :now)',
    );
    expect(put.ExpressionAttributeValues).toEqual({ ':now': NOW.getTime() / 1000 });
  });

  it('a claim refused by the condition answers the record that holds the key (consistent read)', async () => {
    // Prepare
    const holder = { ...record, claim: 'c0', answer: { statusCode: 202, body: '{}' } };
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { pk: 'IDEMPOTENCY#h', sk: 'IDEMPOTENCY', ...holder } });

    // Act
    const held = await store().claim(record, NOW);

    // Assess
    expect(held).toEqual(holder);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it('completes and releases only as the claim that holds the record', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: { pk: 'IDEMPOTENCY#h', sk: 'IDEMPOTENCY', ...record, claim: 'other' } });
    ddb.on(DeleteCommand).rejects(conditionFailed());

    // Act
    await store().complete('h', 'c1', { statusCode: 202 }, 99999);
    await store().release('h', 'c1');

    // Assess: nothing written over another claim, and a refused delete is not an error
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'claim = :claim',
      ExpressionAttributeValues: { ':claim': 'c1' },
    });
  });
});
