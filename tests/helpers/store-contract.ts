import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../local/sandbox/aws-fixtures';
import { awsClientConfig, testTableName } from './stack';

/** One implementation of a store port, made empty for each test. */
export type StoreMaker<S> = () => Promise<S>;

/**
 * The rows a port's contract suite runs over with `describe.each`: the memory fake, and the DynamoDB store on the
 * emulator (admin, no IAM gate: the contract is about the store, the gate has suites of its own). Each DynamoDB
 * store gets a table of its own, so both start every test empty and the suite can assert on whole lists.
 */
export function storeImplementations<S>(
  memory: () => S,
  dynamodb: (table: string, client: DynamoDBClient) => S,
): [string, StoreMaker<S>][] {
  return [
    ['memory fake', async () => memory()],
    [
      'DynamoDB on the emulator',
      async () => {
        const table = testTableName();
        await ensureTable(awsClientConfig(), table);
        return dynamodb(table, new DynamoDBClient(awsClientConfig()));
      },
    ],
  ];
}
