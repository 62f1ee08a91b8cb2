import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbIdempotencyStore } from '../adapters/aws/dynamodb-idempotency-store';
import { DynamoDbOperationStore } from '../adapters/aws/dynamodb-operation-store';
import { DynamoDbRolloutStore } from '../adapters/aws/dynamodb-rollout-store';
import { DynamoDbScalingStore } from '../adapters/aws/dynamodb-scaling-store';
import { DynamoDbVerifiedAlarmChanges } from '../adapters/aws/dynamodb-verified-alarm-changes';
import { withOperationMetrics } from '../operations/metered-operation-store';
import type { Container } from './container';
import { metrics, port, type WiringContext } from './context';

/** The stores on eksflow's one table, over one client per function. */
export const dynamodbClient = (ctx: WiringContext) => ctx.once('dynamodb', () => new DynamoDBClient(ctx.aws));

export const operationStore = (ctx: WiringContext): Container['operations'] =>
  port(ctx, 'operations', () =>
    withOperationMetrics(new DynamoDbOperationStore(ctx.config.tableName, dynamodbClient(ctx)), metrics(ctx)),
  );

export const rolloutStore = (ctx: WiringContext): Container['rollouts'] =>
  port(ctx, 'rollouts', () => new DynamoDbRolloutStore(ctx.config.tableName, dynamodbClient(ctx)));

export const scalingStore = (ctx: WiringContext): Container['scaling'] =>
  port(ctx, 'scaling', () => new DynamoDbScalingStore(ctx.config.tableName, dynamodbClient(ctx)));

export const verifiedChanges = (ctx: WiringContext): Container['verifiedChanges'] =>
  port(ctx, 'verifiedChanges', () => new DynamoDbVerifiedAlarmChanges(ctx.config.tableName, dynamodbClient(ctx)));

export const idempotencyStore = (ctx: WiringContext): Container['idempotency'] =>
  port(ctx, 'idempotency', () => new DynamoDbIdempotencyStore(ctx.config.tableName, dynamodbClient(ctx)));
