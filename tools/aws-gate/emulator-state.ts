import { DynamoDBClient, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListAccessEntriesCommand,
} from '@aws-sdk/client-eks';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { EmulatorLookups } from './catalogue';

/**
 * What the gate reads from the emulator to authorize a call as AWS would: the full ARNs of resources a
 * request names only by name, and the tags behind `aws:ResourceTag/*`. Read directly from moto (never
 * through the gate), with the admin's keys.
 */
export class EmulatorState implements EmulatorLookups {
  private readonly eks: EKSClient;
  private readonly dynamodb: DynamoDBClient;

  constructor(options: { endpoint: string; region: string; credentials: AwsCredentialIdentity }) {
    const config = { ...options, maxAttempts: 2 };
    this.eks = new EKSClient(config);
    this.dynamodb = new DynamoDBClient(config);
  }

  async nodegroupArn(cluster: string, nodegroup: string): Promise<string | undefined> {
    return (await this.describeNodegroup(cluster, nodegroup))?.nodegroupArn;
  }

  async addonArn(cluster: string, addon: string): Promise<string | undefined> {
    return (await this.describeAddon(cluster, addon))?.addonArn;
  }

  /**
   * AWS's access-entry ARN, `access-entry/<cluster>/<role|user>/<account>/<name>/<uuid>`: the emulator's own
   * ARN has only the uuid right, so the rest is made from the principal, as EKS makes it.
   */
  async accessEntryArn(cluster: string, principalArn: string): Promise<string | undefined> {
    const entry = await this.describeAccessEntry(cluster, principalArn);
    return entry?.accessEntryArn ? awsAccessEntryArn(entry.accessEntryArn, cluster, principalArn) : undefined;
  }

  /** The resource's tags (none when it does not exist, or its kind has none in the emulator). */
  async tagsOf(arn: string): Promise<Record<string, string>> {
    const [, , service, , , resource = ''] = arn.split(':');
    // An ARN without the names its kind has describes nothing: '' is found nowhere.
    const [kind, cluster = '', name = ''] = resource.split('/');
    if (service === 'dynamodb' && kind === 'table') return this.tableTags(`${arn.split('/').slice(0, 2).join('/')}`);
    if (service !== 'eks') return {};
    if (kind === 'cluster')
      return (
        (await this.quietly(() => this.eks.send(new DescribeClusterCommand({ name: cluster }))))?.cluster?.tags ?? {}
      );
    if (kind === 'nodegroup') return (await this.describeNodegroup(cluster, name))?.tags ?? {};
    if (kind === 'addon') return (await this.describeAddon(cluster, name))?.tags ?? {};
    if (kind === 'access-entry') return (await this.accessEntryByArn(cluster, arn))?.tags ?? {};
    return {};
  }

  private async accessEntryByArn(cluster: string, arn: string) {
    const list = await this.quietly(() => this.eks.send(new ListAccessEntriesCommand({ clusterName: cluster })));
    for (const principalArn of list?.accessEntries ?? []) {
      const entry = await this.describeAccessEntry(cluster, principalArn);
      if (entry?.accessEntryArn && awsAccessEntryArn(entry.accessEntryArn, cluster, principalArn) === arn) return entry;
    }
    return undefined;
  }

  private async tableTags(tableArn: string): Promise<Record<string, string>> {
    const answer = await this.quietly(() =>
      this.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn })),
    );
    return Object.fromEntries((answer?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  }

  private async describeNodegroup(cluster: string, nodegroup: string) {
    return (
      await this.quietly(() =>
        this.eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup })),
      )
    )?.nodegroup;
  }

  private async describeAddon(cluster: string, addon: string) {
    return (
      await this.quietly(() => this.eks.send(new DescribeAddonCommand({ clusterName: cluster, addonName: addon })))
    )?.addon;
  }

  private async describeAccessEntry(cluster: string, principalArn: string) {
    return (
      await this.quietly(() => this.eks.send(new DescribeAccessEntryCommand({ clusterName: cluster, principalArn })))
    )?.accessEntry;
  }

  /** A resource that is not there has no ARN and no tags: AWS authorizes the request before it finds that out. */
  private async quietly<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (/NotFound|ResourceNotFound|InvalidParameter|InvalidRequest/.test(name)) return undefined;
      throw error;
    }
  }
}

/** `arn:aws:eks:r:a:access-entry/<cluster>/<role|user>/<account>/<name>/<uuid>` from the entry's uuid and principal. */
function awsAccessEntryArn(emulatorArn: string, cluster: string, principalArn: string): string {
  const prefix = emulatorArn.split(':').slice(0, 5).join(':');
  const uuid = emulatorArn.split('/').at(-1);
  const [, , , , account, kindAndName = ''] = principalArn.split(':');
  const [kind, ...path] = kindAndName.split('/');
  const principalKind = kind === 'assumed-role' ? 'role' : kind;
  return `${prefix}:access-entry/${cluster}/${principalKind}/${account}/${path.at(-1)}/${uuid}`;
}
