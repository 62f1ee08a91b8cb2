import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { keySchema, stringAttributes } from '../../local/sandbox/aws-fixtures';
import { defined } from '../helpers/defined';
import { awsClientConfig, uniqueName } from '../helpers/stack';

/** Rounds in a row: a race that the emulator loses once in a few dozen rounds shows up within 100. */
const ROUNDS = 100;
/** Racing transactions per round: as many as one Deployment may see from concurrent starts and passes. */
const RACERS = 20;
/** Racing version-conditional updates per round on one item (the rollout store's optimistic lock). */
const UPDATERS = 10;

/**
 * The emulator must keep DynamoDB's transaction guarantees (atomic and isolated), because the rollout
 * store's one-active-rollout lock and its version checks rest on them. moto alone does not: under its
 * threaded server a cancelled transaction restores a copy of the whole table taken when it began, so
 * a concurrent transaction's writes can vanish, or a cancelled one's survive. tools/moto/ fixes that.
 */
describe('AWS emulator: DynamoDB transactions are atomic and isolated under races', () => {
  // One attempt per call: an SDK retry could apply a transaction twice and blur the counts we check.
  const dynamodb = new DynamoDBClient({ ...awsClientConfig(), maxAttempts: 1 });
  const tables = uniqueName('isolation');

  /**
   * Each round gets a table of its own, dropped after it: moto copies a whole table on every
   * transaction, so one table growing over 100 rounds would make the test slow for no insight.
   */
  async function inFreshTable(round: string, use: (table: string) => Promise<void>): Promise<void> {
    const table = `${tables}-${round}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: stringAttributes(['pk', 'sk']),
        KeySchema: keySchema('pk', 'sk'),
      }),
    );
    try {
      await use(table);
    } finally {
      await dynamodb.send(new DeleteTableCommand({ TableName: table }));
    }
  }
  afterAll(() => dynamodb.destroy());

  /** Every item of one round (a partition of its own), read consistently. */
  async function itemsOf(table: string, round: string): Promise<Record<string, string>> {
    const out = await dynamodb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: round } },
        ConsistentRead: true,
      }),
    );
    return Object.fromEntries(
      (out.Items ?? []).map((item) => [defined(item.sk?.S, 'item.sk.S'), item.owner?.S ?? item.version?.N ?? '']),
    );
  }

  /**
   * Each racer writes its own record, then takes the round's lock if nobody holds it, in one
   * transaction. The record comes first on purpose: a loser has then written something before its
   * condition fails, which only a real rollback removes.
   */
  const takeLock = (table: string, round: string, racer: number) =>
    dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { pk: { S: round }, sk: { S: `record#${racer}` }, owner: { S: `${racer}` } },
            },
          },
          {
            Put: {
              TableName: table,
              Item: { pk: { S: round }, sk: { S: 'lock' }, owner: { S: `${racer}` } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );

  /** Reads the counter's version, then bumps it only if it is unchanged, with an audit item in the same write. */
  async function bumpVersion(table: string, round: string, updater: number): Promise<void> {
    const current = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: round }, sk: { S: 'counter' } }, ConsistentRead: true }),
    );
    const version = current.Item?.version?.N ?? '0';
    await dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: { pk: { S: round }, sk: { S: 'counter' } },
              UpdateExpression: 'SET version = :next',
              ConditionExpression: 'attribute_not_exists(version) OR version = :expected',
              ExpressionAttributeValues: { ':expected': { N: version }, ':next': { N: `${Number(version) + 1}` } },
            },
          },
          {
            Put: {
              TableName: table,
              Item: { pk: { S: round }, sk: { S: `bump#${updater}` }, version: { N: version } },
            },
          },
        ],
      }),
    );
  }

  const cancelled = (result: PromiseSettledResult<unknown>) =>
    result.status === 'rejected' && (result.reason as Error).name === 'TransactionCanceledException';

  it(`${ROUNDS} rounds of ${RACERS} racing lock transactions: exactly one wins and only its writes remain`, async () => {
    for (let index = 0; index < ROUNDS; index++) {
      // Prepare
      const round = `lock-round-${index}`;
      await inFreshTable(round, async (table) => {
        // Act
        const results = await Promise.allSettled(
          Array.from({ length: RACERS }, (_, racer) => takeLock(table, round, racer)),
        );

        // Assess
        const winners = results.flatMap((result, racer) => (result.status === 'fulfilled' ? [`${racer}`] : []));
        expect({ round, winners: winners.length }).toEqual({ round, winners: 1 });
        expect({ round, others: results.filter(cancelled).length }).toEqual({ round, others: RACERS - 1 });
        expect({ round, items: await itemsOf(table, round) }).toEqual({
          round,
          items: { lock: winners[0], [`record#${winners[0]}`]: winners[0] },
        });
      });
    }
  }, 60000);

  it(`${ROUNDS} rounds of ${UPDATERS} racing version-conditional updates: the version counts the successes`, async () => {
    for (let index = 0; index < ROUNDS; index++) {
      // Prepare
      const round = `version-round-${index}`;
      await inFreshTable(round, async (table) => {
        // Act
        const results = await Promise.allSettled(
          Array.from({ length: UPDATERS }, (_, updater) => bumpVersion(table, round, updater)),
        );

        // Assess
        const successes = results.filter((result) => result.status === 'fulfilled').length;
        expect({ round, unexpected: results.filter((r) => r.status === 'rejected' && !cancelled(r)) }).toEqual({
          round,
          unexpected: [],
        });
        const items = await itemsOf(table, round);
        const bumps = Object.keys(items).filter((sk) => sk.startsWith('bump#'));
        expect({ round, version: Number(items.counter), bumps: bumps.length }).toEqual({
          round,
          version: successes,
          bumps: successes,
        });
        // Each success moved the version from a distinct value: no two writers both saw the same version win.
        expect({ round, from: new Set(bumps.map((sk) => items[sk])).size }).toEqual({ round, from: successes });
      });
    }
  }, 60000);
});
