import { DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbOperationStore } from '../../core/adapters/aws/dynamodb-operation-store';
import { DynamoDbRolloutStore } from '../../core/adapters/aws/dynamodb-rollout-store';
import { DynamoDbScalingStore } from '../../core/adapters/aws/dynamodb-scaling-store';
import { FINISHED_RECORD_TTL_SECONDS } from '../../core/adapters/aws/ttl';
import { finished, newOperation, retried } from '../../core/operations/domain/operation';
import { startRollout } from '../../core/rollouts/commands/start-rollout';
import { nodegroupLock } from '../../core/scaling/domain/records';
import { ensureTable } from '../../local/sandbox/aws-fixtures';
import { canaryBody, rolloutWorld } from '../helpers/rollout-world';
import { scalingPolicy } from '../helpers/scaling-fakes';
import { awsClientConfig, testTableName } from '../helpers/stack';

/**
 * The stores on the emulator's DynamoDB, as the sweeps read them under the quotas: only active work, through
 * sparse indexes (never a Scan), and finished records carrying their expiry (TTL) while active ones do not.
 */
describe('sparse indexes and TTL of the eksflow table', () => {
  const commands: string[] = [];
  let table: string;
  let client: DynamoDBClient;
  beforeAll(async () => {
    table = testTableName();
    await ensureTable(awsClientConfig(), table);
    client = new DynamoDBClient(awsClientConfig());
    // Every command the stores send, by name: the sweeps' reads must be Queries.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
  });
  beforeEach(() => {
    commands.length = 0;
  });
  const raw = async (pk: string, sk: string) =>
    (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }))).Item;
  const t0 = new Date('2026-01-01T00:00:00Z');

  it('the table expires items by `expiresAt`', async () => {
    const out = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(out.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('held operation locks are listed from their sparse index while held, and a finished operation expires', async () => {
    // Prepare
    const store = new DynamoDbOperationStore(table, client);
    const op = (id: string, cluster: string) => ({
      ...newOperation(id, 'ProvisionCluster', cluster, t0),
      lock: `cluster:${cluster}`,
    });
    await store.create(op('o1', 'c1'));
    await store.create(op('o2', 'c2'));
    await store.update('o2', (o) => finished(o, {}, t0));

    // Act
    const held = await store.heldLocks('cluster:');

    // Assess
    expect(held).toEqual([{ key: 'cluster:c1', operationId: 'o1', since: t0.toISOString() }]);
    expect((await raw('OP#o1', 'OP'))?.expiresAt).toBeUndefined();
    expect((await raw('OP#o2', 'OP'))?.expiresAt).toEqual({
      N: String(t0.getTime() / 1000 + FINISHED_RECORD_TTL_SECONDS),
    });
    // Running again (a retry): no expiry while it runs.
    await store.update('o2', (o) => retried(o, t0));
    expect((await raw('OP#o2', 'OP'))?.expiresAt).toBeUndefined();
    expect(commands).not.toContain('ScanCommand');
  });

  it('node-group locks and policies are listed from sparse indexes; recent-operation entries expire', async () => {
    // Prepare
    const store = new DynamoDbScalingStore(table, client);
    const operations = new DynamoDbOperationStore(table, client);
    const change = (id: string, nodegroup: string) => ({
      ...newOperation(id, 'ScaleNodegroup', 'c1', t0),
      lock: nodegroupLock('c1', nodegroup),
    });
    await operations.create(change('op-1', 'ng1'));
    await operations.create(change('op-2', 'ng2'));
    await operations.update('op-2', (o) => finished(o, {}, t0));
    await store.createPolicy(scalingPolicy('p1'));
    await store.createPolicy(scalingPolicy('p2'));
    await store.addRecentOperation('c1', 'ng1', 'op-1', t0.toISOString());

    // Act
    const locks = await operations.heldLocks('nodegroup:');
    const policies = await store.allPolicies();

    // Assess
    expect(locks).toEqual([{ key: 'nodegroup:c1/ng1', operationId: 'op-1', since: t0.toISOString() }]);
    expect(policies).toEqual([scalingPolicy('p1'), scalingPolicy('p2')]);
    expect((await raw('NG#c1#ng1', `OP#${t0.toISOString()}#op-1`))?.expiresAt).toBeDefined();
    expect(commands).not.toContain('ScanCommand');
  });

  it('a finished rollout expires; an active one does not', async () => {
    // Prepare
    const w = rolloutWorld();
    const rollout = await startRollout(w.deps, canaryBody(), w.newId);
    const store = new DynamoDbRolloutStore(table, client);
    await store.create(rollout);
    const pk = `ROLLOUT#${rollout.id}`;
    const whileActive = await raw(pk, 'ROLLOUT');

    // Act
    await store.save({ ...rollout, status: 'Aborted' });

    // Assess
    expect(whileActive?.expiresAt).toBeUndefined();
    expect((await raw(pk, 'ROLLOUT'))?.expiresAt).toBeDefined();
    expect(await store.listActive()).toEqual([]);
  });
});
