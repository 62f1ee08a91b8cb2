import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListClustersCommand } from '@aws-sdk/client-eks';
import type { Container } from './container';
import { port, type WiringContext } from './context';
import { dynamodbClient } from './dynamodb';
import { eksClient } from './eks';

/** GET /health/deep: one cheap call to each dependency, through the function's own clients. */
export const healthChecks = (ctx: WiringContext): Container['healthChecks'] =>
  port(ctx, 'healthChecks', () => [
    {
      name: 'dynamodb',
      check: async () =>
        void (await dynamodbClient(ctx).send(new DescribeTableCommand({ TableName: ctx.config.tableName }))),
    },
    { name: 'eks', check: async () => void (await eksClient(ctx).send(new ListClustersCommand({ maxResults: 1 }))) },
  ]);
