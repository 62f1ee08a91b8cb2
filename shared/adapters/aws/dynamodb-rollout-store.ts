import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isActive, type Rollout } from '../../domain/rollout/types';
import { ConflictError, VersionConflictError } from '../../errors';
import type { RolloutFilter, RolloutStore } from '../../ports/rollout-store';
import { awsCall, awsErrorName } from './aws-call';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Rollouts in the single eksflow table:
 *   ROLLOUT#<id> / ROLLOUT       the rollout (gsi1: CLUSTER#<cluster> / <ns>/<deployment>#<createdAt>#<id>)
 *   ACTIVE / <cluster>/<ns>/<dep> the one-active-rollout-per-Deployment lock, only while active
 *   ALARM#<name> / ROLLOUT#<id>   alarm index entries, only while active
 * Every write that changes what is active is one transaction, conditional on the rollout's version.
 */
export class DynamoDbRolloutStore implements RolloutStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    });
  }

  async create(rollout: Rollout): Promise<void> {
    const items: TransactItem[] = [
      {
        Put: { TableName: this.tableName, Item: this.toItem(rollout), ConditionExpression: 'attribute_not_exists(pk)' },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { pk: 'ACTIVE', sk: targetKey(rollout), rolloutId: rollout.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      // One item per alarm: a transaction may not touch the same item twice.
      ...unique(rollout.alarms).map(
        (alarm): TransactItem => ({
          Put: {
            TableName: this.tableName,
            Item: { pk: `ALARM#${alarm}`, sk: `ROLLOUT#${rollout.id}`, rolloutId: rollout.id },
          },
        }),
      ),
    ];
    try {
      await awsCall('DynamoDB TransactWriteItems', () =>
        this.doc.send(new TransactWriteCommand({ TransactItems: items })),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'TransactionCanceledException') throw error;
      const lock = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: 'ACTIVE', sk: targetKey(rollout) },
          ConsistentRead: true,
        }),
      );
      const activeId = lock.Item?.rolloutId as string | undefined;
      throw new ConflictError(
        `deployment ${rollout.namespace}/${rollout.deployment} on ${rollout.cluster} already has an active rollout${activeId ? ` (${activeId})` : ''}`,
        {
          details: [{ field: 'deployment', reason: `rollout ${activeId ?? '(unknown)'} is active on this Deployment` }],
        },
      );
    }
  }

  async get(id: string): Promise<Rollout | undefined> {
    const out = await awsCall('DynamoDB GetItem', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `ROLLOUT#${id}`, sk: 'ROLLOUT' },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async save(rollout: Rollout): Promise<Rollout> {
    const written = { ...rollout, version: rollout.version + 1 };
    const put: TransactItem = {
      Put: {
        TableName: this.tableName,
        Item: this.toItem(written),
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': rollout.version },
      },
    };
    // Leaving the active states releases the Deployment lock and the alarm entries in the same write.
    const release: TransactItem[] = isActive(rollout)
      ? []
      : [
          {
            Delete: {
              TableName: this.tableName,
              Key: { pk: 'ACTIVE', sk: targetKey(rollout) },
              ConditionExpression: 'attribute_not_exists(pk) OR rolloutId = :id',
              ExpressionAttributeValues: { ':id': rollout.id },
            },
          },
          ...unique(rollout.alarms).map(
            (alarm): TransactItem => ({
              Delete: { TableName: this.tableName, Key: { pk: `ALARM#${alarm}`, sk: `ROLLOUT#${rollout.id}` } },
            }),
          ),
        ];
    try {
      await awsCall('DynamoDB TransactWriteItems', () =>
        this.doc.send(new TransactWriteCommand({ TransactItems: [put, ...release] })),
      );
    } catch (error) {
      if (awsErrorName(error) === 'TransactionCanceledException')
        throw new VersionConflictError(`rollout ${rollout.id} was changed by someone else`, { cause: error });
      throw error;
    }
    return written;
  }

  async activeForAlarm(alarmName: string): Promise<Rollout[]> {
    const ids = await this.queryIds({ pk: `ALARM#${alarmName}` });
    return this.getMany(ids);
  }

  async list(filter: RolloutFilter): Promise<Rollout[]> {
    const prefix = filter.namespace ? `${filter.namespace}/${filter.deployment ? `${filter.deployment}#` : ''}` : '';
    const items = await this.queryAll({
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: prefix ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `CLUSTER#${filter.cluster}`, ...(prefix ? { ':prefix': prefix } : {}) },
      ScanIndexForward: false,
    });
    return items.map(fromItem);
  }

  async listActive(): Promise<Rollout[]> {
    return this.getMany(await this.queryIds({ pk: 'ACTIVE' }));
  }

  private async queryIds(key: { pk: string }): Promise<string[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': key.pk },
      ConsistentRead: true,
    });
    return items.map((item) => item.rolloutId as string);
  }

  private async queryAll(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await awsCall('DynamoDB Query', () =>
        this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey })),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  private async getMany(ids: string[]): Promise<Rollout[]> {
    const rollouts = await Promise.all(ids.map((id) => this.get(id)));
    return rollouts.filter((r): r is Rollout => r !== undefined);
  }

  private toItem(rollout: Rollout): Record<string, unknown> {
    return {
      pk: `ROLLOUT#${rollout.id}`,
      sk: 'ROLLOUT',
      gsi1pk: `CLUSTER#${rollout.cluster}`,
      gsi1sk: `${rollout.namespace}/${rollout.deployment}#${rollout.createdAt}#${rollout.id}`,
      version: rollout.version,
      // Stored as JSON text: pod templates hold keys DynamoDB maps would mangle (empty strings, deep nesting).
      doc: JSON.stringify(rollout),
    };
  }
}

function targetKey(rollout: Pick<Rollout, 'cluster' | 'namespace' | 'deployment'>): string {
  return `${rollout.cluster}/${rollout.namespace}/${rollout.deployment}`;
}

function fromItem(item: Record<string, unknown>): Rollout {
  return { ...(JSON.parse(item.doc as string) as Rollout), version: item.version as number };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
