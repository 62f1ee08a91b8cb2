import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateSubnetCommand, CreateVpcCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { TTL_ATTRIBUTE } from '../../core/adapters/aws/ttl';
import { present } from '../../core/kernel/invariant';

export interface AwsFixtures {
  roleArn: string;
  subnetIds: string[];
}

type AwsClientConfig = {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

/** Attribute definitions of string keys (every key of the eksflow table is a string). */
export const stringAttributes = (names: string[]): AttributeDefinition[] =>
  names.map((name) => ({ AttributeName: name, AttributeType: 'S' }));

/** A key schema: the partition key `hash` and the sort key `range`. */
export const keySchema = (hash: string, range: string): KeySchemaElement[] => [
  { AttributeName: hash, KeyType: 'HASH' },
  { AttributeName: range, KeyType: 'RANGE' },
];

/** The single eksflow table, as serverless.yml declares it (pk/sk, gsi1, the sparse gsi2, TTL). Idempotent. */
export async function ensureTable(aws: AwsClientConfig, tableName: string): Promise<void> {
  const ddb = new DynamoDBClient(aws);
  const exists = await ddb.send(new DescribeTableCommand({ TableName: tableName })).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: stringAttributes(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']),
      KeySchema: keySchema('pk', 'sk'),
      GlobalSecondaryIndexes: ['gsi1', 'gsi2'].map((index) => ({
        IndexName: index,
        KeySchema: keySchema(`${index}pk`, `${index}sk`),
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  // As serverless.yml's EksflowTable: finished records expire (the emulator keeps the setting, deletes nothing).
  await ddb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
}

/** What an EKS cluster needs on the emulator: a cluster role and two subnets in two AZs. Idempotent. */
export async function ensureNetworkAndRole(aws: AwsClientConfig): Promise<AwsFixtures> {
  const iam = new IAMClient(aws);
  const roleName = 'eksflow-sandbox-cluster';
  const role = await iam.send(new GetRoleCommand({ RoleName: roleName })).catch(() => undefined);
  const roleArn =
    role?.Role?.Arn ??
    present(
      (
        await iam.send(
          new CreateRoleCommand({
            RoleName: roleName,
            AssumeRolePolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
            }),
          }),
        )
      ).Role?.Arn,
      "the created cluster role's ARN",
    );

  const ec2 = new EC2Client(aws);
  const tagged = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:eksflow-sandbox', Values: ['true'] }] }),
  );
  const taggedIds = (tagged.Subnets ?? []).flatMap((s) => (s.SubnetId ? [s.SubnetId] : []));
  if (taggedIds.length >= 2) return { roleArn, subnetIds: taggedIds.sort() };
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
  const vpcId = present(vpc.Vpc?.VpcId, "the created VPC's id");
  const subnetIds: string[] = [];
  for (const [i, zone] of [`${aws.region}a`, `${aws.region}b`].entries()) {
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.42.${i}.0/24`,
        AvailabilityZone: zone,
        TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'eksflow-sandbox', Value: 'true' }] }],
      }),
    );
    subnetIds.push(present(subnet.Subnet?.SubnetId, "the created subnet's id"));
  }
  return { roleArn, subnetIds };
}
