import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Operation } from '../../domain/operation';
import { ConflictError, NotFoundError, TransientError } from '../../errors';
import type { OperationStore } from '../../ports/store';
import { awsCall, awsErrorName } from './aws-call';

const MAX_OPTIMISTIC_ATTEMPTS = 10;

/** Operations in the single eksflow table: pk `OP#<id>`, sk `OP`; `version` guards every write. */
export class DynamoDbOperationStore implements OperationStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(operation: Operation): Promise<void> {
    try {
      await awsCall('DynamoDB PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(operation),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException')
        throw new ConflictError(`operation ${operation.id} already exists`);
      throw error;
    }
  }

  async get(id: string): Promise<Operation | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: `OP#${id}`, sk: 'OP' }, ConsistentRead: true }),
      ),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async update(id: string, change: (current: Operation) => Operation): Promise<Operation> {
    for (let attempt = 0; attempt < MAX_OPTIMISTIC_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      if (!current) throw new NotFoundError(`operation ${id} not found`);
      const next = change(current);
      if (next === current) return current; // nothing to write: the change was already applied
      const written = { ...next, version: current.version + 1 };
      try {
        await awsCall('DynamoDB PutItem', () =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: toItem(written),
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':expected': current.version },
            }),
          ),
        );
        return written;
      } catch (error) {
        if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw error;
      }
    }
    throw new TransientError(`operation ${id}: too many concurrent writers`);
  }
}

function toItem(operation: Operation): Record<string, unknown> {
  return { pk: `OP#${operation.id}`, sk: 'OP', ...operation };
}

function fromItem(item: Record<string, unknown>): Operation {
  const { pk: _pk, sk: _sk, ...operation } = item;
  return operation as unknown as Operation;
}
