import {
  AssociateAccessPolicyCommand,
  type Cluster,
  CreateAccessEntryCommand,
  CreateAddonCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteAccessEntryCommand,
  DeleteAddonCommand,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeAddonVersionsCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DisassociateAccessPolicyCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAddonsCommand,
  ListAssociatedAccessPoliciesCommand,
  ListClustersCommand,
  ListNodegroupsCommand,
  type Nodegroup,
  TagResourceCommand,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import {
  ACCESS_POLICY_ARNS,
  type AccessGrant,
  type AccessSpec,
  type AddonSpec,
  type ClusterInfo,
  type ClusterSpec,
  type ClusterStatus,
  MANAGED_TAG,
  type NodegroupSpec,
  OPERATION_TAG,
  type Taint,
  type TaintEffect,
} from '../../clusters/domain/cluster';
import type { ObservedAccessEntry, ObservedAddon, ObservedNodegroup } from '../../clusters/domain/plan';
import type { ClusterApi, CreateClusterOptions } from '../../clusters/ports/cluster-api';
import { ConflictError } from '../../kernel/errors';
import { awsCall, awsErrorName, SDK_RETRY_OFF } from './aws-call';

/** EKS's managed access policy equal to Kubernetes' cluster-admin (for the baseline role only). */
const CLUSTER_ADMIN_POLICY_ARN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

/**
 * Every access entry eksflow creates carries its managed tag: the roles may associate policies with, and delete,
 * only entries that have it (`aws:ResourceTag/eksflow:managed` on the entry, deploy/iam/grants.ts).
 */
const MANAGED_ENTRY_TAGS = { [MANAGED_TAG]: 'true' };

/** What EKS envelope-encrypts with the cluster's KMS key (the only resource type it supports). */
const ENCRYPTED_RESOURCES = 'secrets';

export class EksClusterApi implements ClusterApi {
  constructor(private readonly eks: EKSClient = new EKSClient({ ...SDK_RETRY_OFF })) {}

  async createCluster(spec: ClusterSpec, operationId: string, options?: CreateClusterOptions): Promise<void> {
    const command = new CreateClusterCommand({
      name: spec.name,
      version: spec.version,
      roleArn: spec.roleArn,
      resourcesVpcConfig: {
        subnetIds: spec.subnetIds,
        securityGroupIds: spec.securityGroupIds,
        endpointPublicAccess: spec.endpointPublicAccess,
        endpointPrivateAccess: spec.endpointPrivateAccess,
        // Always sent with a public endpoint: EKS's default for a missing list is 0.0.0.0/0.
        ...(spec.endpointPublicAccess ? { publicAccessCidrs: spec.publicAccessCidrs } : {}),
      },
      ...(spec.logging.length > 0 ? { logging: { clusterLogging: [{ types: spec.logging, enabled: true }] } } : {}),
      ...(spec.kmsKeyArn
        ? { encryptionConfig: [{ resources: [ENCRYPTED_RESOURCES], provider: { keyArn: spec.kmsKeyArn } }] }
        : {}),
      // Access entries (API) instead of the creator's implicit admin: each eksflow role gets only its grant.
      ...(options && !options.creatorIsAdmin
        ? { accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: false } }
        : {}),
      tags: { ...spec.tags, [OPERATION_TAG]: operationId, [MANAGED_TAG]: 'true' },
      // Same token for the same operation: EKS itself treats a retried request as the same one.
      clientRequestToken: operationId,
    });
    try {
      await awsCall('EKS CreateCluster', () => this.eks.send(command));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceInUseException') throw error;
      // A cluster of that name exists: fine if this very operation created it (a re-run step).
      const existing = await this.describeCluster(spec.name);
      if (existing?.tags[OPERATION_TAG] !== operationId) {
        throw new ConflictError(`cluster ${spec.name} already exists and was not created by operation ${operationId}`, {
          cause: error,
        });
      }
    }
  }

  async describeCluster(name: string): Promise<ClusterInfo | undefined> {
    try {
      const out = await awsCall('EKS DescribeCluster', () => this.eks.send(new DescribeClusterCommand({ name })));
      return out.cluster ? toClusterInfo(out.cluster) : undefined;
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async deleteCluster(name: string): Promise<void> {
    try {
      await awsCall('EKS DeleteCluster', () => this.eks.send(new DeleteClusterCommand({ name })));
    } catch (error) {
      if (awsErrorName(error) === 'ResourceInUseException')
        throw new ConflictError(`cluster ${name} is still in use (node groups or another change)`, { cause: error });
      if (awsErrorName(error) === 'ResourceNotFoundException') return;
      await this.goneAfterDenial(error, () => this.describeCluster(name));
    }
  }

  async grantAccess(cluster: string, grant: AccessGrant): Promise<void> {
    const { principalArn } = grant;
    const kubernetesGroups = 'kubernetesGroups' in grant ? grant.kubernetesGroups : undefined;
    try {
      await awsCall('EKS CreateAccessEntry', () =>
        this.eks.send(
          new CreateAccessEntryCommand({
            clusterName: cluster,
            principalArn,
            kubernetesGroups,
            tags: MANAGED_ENTRY_TAGS,
          }),
        ),
      );
    } catch (error) {
      // Created by an earlier run of this step: the entry is there, the policy below is idempotent.
      if (awsErrorName(error) !== 'ResourceInUseException') throw error;
    }
    if ('clusterAdmin' in grant) {
      await awsCall('EKS AssociateAccessPolicy', () =>
        this.eks.send(
          new AssociateAccessPolicyCommand({
            clusterName: cluster,
            principalArn,
            policyArn: CLUSTER_ADMIN_POLICY_ARN,
            accessScope: { type: 'cluster' },
          }),
        ),
      );
    }
  }

  async listClusters(): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await awsCall('EKS ListClusters', () => this.eks.send(new ListClustersCommand({ nextToken })));
      names.push(...(out.clusters ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return names;
  }

  async updateClusterConfig(spec: ClusterSpec, changes: string[]): Promise<void> {
    // EKS takes one kind of change per update: logging and endpoint access go in two calls.
    if (changes.includes('logging')) {
      const off = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].filter(
        (t) => !spec.logging.includes(t as never),
      );
      const clusterLogging = [
        ...(spec.logging.length > 0 ? [{ types: spec.logging, enabled: true }] : []),
        ...(off.length > 0 ? [{ types: off as never[], enabled: false }] : []),
      ];
      await this.send(
        'EKS UpdateClusterConfig',
        new UpdateClusterConfigCommand({ name: spec.name, logging: { clusterLogging } }),
      );
    }
    if (changes.includes('endpointPublicAccess')) {
      await this.send(
        'EKS UpdateClusterConfig',
        new UpdateClusterConfigCommand({
          name: spec.name,
          resourcesVpcConfig: {
            endpointPublicAccess: spec.endpointPublicAccess,
            endpointPrivateAccess: spec.endpointPrivateAccess,
            ...(spec.endpointPublicAccess ? { publicAccessCidrs: spec.publicAccessCidrs } : {}),
          },
        }),
      );
    }
  }

  async tagCluster(name: string, tags: Record<string, string>): Promise<void> {
    const cluster = await this.describeCluster(name);
    if (!cluster?.arn) return;
    await this.send('EKS TagResource', new TagResourceCommand({ resourceArn: cluster.arn, tags }));
  }

  async listNodegroups(cluster: string): Promise<string[]> {
    return this.listAll('EKS ListNodegroups', async (nextToken) => {
      const out = await this.eks.send(new ListNodegroupsCommand({ clusterName: cluster, nextToken }));
      return { items: out.nodegroups ?? [], nextToken: out.nextToken };
    });
  }

  async describeNodegroup(cluster: string, name: string): Promise<ObservedNodegroup | undefined> {
    const out = await this.unlessNotFound('EKS DescribeNodegroup', () =>
      this.eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name })),
    );
    return out?.nodegroup ? toObservedNodegroup(out.nodegroup) : undefined;
  }

  async createNodegroup(cluster: string, spec: NodegroupSpec, operationId: string): Promise<{ created: boolean }> {
    const command = new CreateNodegroupCommand({
      clusterName: cluster,
      nodegroupName: spec.name,
      instanceTypes: spec.instanceTypes,
      capacityType: spec.capacityType,
      ...(spec.amiType ? { amiType: spec.amiType as never } : {}),
      ...(spec.diskSize ? { diskSize: spec.diskSize } : {}),
      scalingConfig: { minSize: spec.minSize, maxSize: spec.maxSize, desiredSize: spec.desiredSize },
      labels: spec.labels,
      taints: spec.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      subnets: spec.subnetIds,
      nodeRole: spec.nodeRoleArn,
      ...(spec.maxUnavailable ? { updateConfig: { maxUnavailable: spec.maxUnavailable } } : {}),
      tags: { [OPERATION_TAG]: operationId, [MANAGED_TAG]: 'true' },
      clientRequestToken: `${operationId}-${spec.name}`.slice(0, 64),
    });
    return this.createUnlessInUse('EKS CreateNodegroup', () => this.eks.send(command));
  }

  async updateNodegroup(cluster: string, spec: NodegroupSpec, observed: ObservedNodegroup): Promise<void> {
    const removeLabels = Object.keys(observed.labels).filter((k) => !(k in spec.labels));
    const removeTaints = observed.taints.filter(
      (t) => !spec.taints.some((w) => w.key === t.key && w.effect === t.effect),
    );
    await this.send(
      'EKS UpdateNodegroupConfig',
      new UpdateNodegroupConfigCommand({
        clusterName: cluster,
        nodegroupName: spec.name,
        scalingConfig: { minSize: spec.minSize, maxSize: spec.maxSize, desiredSize: spec.desiredSize },
        labels: { addOrUpdateLabels: spec.labels, ...(removeLabels.length > 0 ? { removeLabels } : {}) },
        taints: {
          addOrUpdateTaints: spec.taints,
          ...(removeTaints.length > 0 ? { removeTaints } : {}),
        },
        ...(spec.maxUnavailable ? { updateConfig: { maxUnavailable: spec.maxUnavailable } } : {}),
      }),
    );
  }

  async deleteNodegroup(cluster: string, name: string): Promise<void> {
    await this.unlessNotFound('EKS DeleteNodegroup', () =>
      this.eks.send(new DeleteNodegroupCommand({ clusterName: cluster, nodegroupName: name })),
    ).catch((error: unknown) => this.goneAfterDenial(error, () => this.describeNodegroup(cluster, name)));
  }

  async listAddons(cluster: string): Promise<string[]> {
    return this.listAll('EKS ListAddons', async (nextToken) => {
      const out = await this.eks.send(new ListAddonsCommand({ clusterName: cluster, nextToken }));
      return { items: out.addons ?? [], nextToken: out.nextToken };
    });
  }

  async describeAddon(cluster: string, name: string): Promise<ObservedAddon | undefined> {
    const out = await this.unlessNotFound('EKS DescribeAddon', () =>
      this.eks.send(new DescribeAddonCommand({ clusterName: cluster, addonName: name })),
    );
    const addon = out?.addon;
    if (!addon) return undefined;
    return {
      name: addon.addonName ?? name,
      status: addon.status ?? 'CREATING',
      version: addon.addonVersion,
      configurationValues: addon.configurationValues,
      tags: addon.tags ?? {},
    };
  }

  async latestAddonVersion(name: string, kubernetesVersion: string): Promise<string | undefined> {
    const out = await awsCall('EKS DescribeAddonVersions', () =>
      this.eks.send(new DescribeAddonVersionsCommand({ addonName: name, kubernetesVersion })),
    );
    // EKS lists versions newest first.
    return out.addons?.find((a) => a.addonName === name)?.addonVersions?.[0]?.addonVersion;
  }

  async createAddon(
    cluster: string,
    spec: AddonSpec,
    version: string | undefined,
    operationId: string,
  ): Promise<{ created: boolean }> {
    const command = new CreateAddonCommand({
      clusterName: cluster,
      addonName: spec.name,
      addonVersion: version,
      configurationValues: spec.configurationValues,
      resolveConflicts: spec.resolveConflicts,
      tags: { [OPERATION_TAG]: operationId, [MANAGED_TAG]: 'true' },
      clientRequestToken: `${operationId}-${spec.name}`.slice(0, 64),
    });
    return this.createUnlessInUse('EKS CreateAddon', () => this.eks.send(command));
  }

  async updateAddon(cluster: string, spec: AddonSpec, version: string | undefined): Promise<void> {
    await this.send(
      'EKS UpdateAddon',
      new UpdateAddonCommand({
        clusterName: cluster,
        addonName: spec.name,
        addonVersion: version,
        configurationValues: spec.configurationValues ?? '',
        resolveConflicts: spec.resolveConflicts,
      }),
    );
  }

  async deleteAddon(cluster: string, name: string): Promise<void> {
    await this.unlessNotFound('EKS DeleteAddon', () =>
      this.eks.send(new DeleteAddonCommand({ clusterName: cluster, addonName: name })),
    ).catch((error: unknown) => this.goneAfterDenial(error, () => this.describeAddon(cluster, name)));
  }

  async listAccessEntries(cluster: string): Promise<string[]> {
    return this.listAll('EKS ListAccessEntries', async (nextToken) => {
      const out = await this.eks.send(new ListAccessEntriesCommand({ clusterName: cluster, nextToken }));
      return { items: out.accessEntries ?? [], nextToken: out.nextToken };
    });
  }

  async describeAccessEntry(cluster: string, principalArn: string): Promise<ObservedAccessEntry | undefined> {
    const entry = await this.unlessNotFound('EKS DescribeAccessEntry', () =>
      this.eks.send(new DescribeAccessEntryCommand({ clusterName: cluster, principalArn })),
    );
    if (!entry?.accessEntry) return undefined;
    const policies = await awsCall('EKS ListAssociatedAccessPolicies', () =>
      this.eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: cluster, principalArn })),
    );
    return {
      principalArn,
      policies: (policies.associatedAccessPolicies ?? []).map((p) => ({
        policyArn: p.policyArn ?? '',
        ...(p.accessScope?.type === 'namespace' ? { namespaces: p.accessScope.namespaces ?? [] } : {}),
      })),
    };
  }

  async applyAccess(cluster: string, spec: AccessSpec): Promise<{ created: boolean }> {
    const { created } = await this.createUnlessInUse('EKS CreateAccessEntry', () =>
      this.eks.send(
        new CreateAccessEntryCommand({
          clusterName: cluster,
          principalArn: spec.principalArn,
          tags: MANAGED_ENTRY_TAGS,
        }),
      ),
    );
    const policyArn = ACCESS_POLICY_ARNS[spec.policy];
    await this.send(
      'EKS AssociateAccessPolicy',
      new AssociateAccessPolicyCommand({
        clusterName: cluster,
        principalArn: spec.principalArn,
        policyArn,
        accessScope: spec.namespaces ? { type: 'namespace', namespaces: spec.namespaces } : { type: 'cluster' },
      }),
    );
    // The spec names one policy per principal: any other one eksflow's short names map to is taken away.
    const current = await this.describeAccessEntry(cluster, spec.principalArn);
    const managed = new Set(Object.values(ACCESS_POLICY_ARNS));
    for (const other of current?.policies ?? []) {
      if (other.policyArn === policyArn || !managed.has(other.policyArn)) continue;
      await this.send(
        'EKS DisassociateAccessPolicy',
        new DisassociateAccessPolicyCommand({
          clusterName: cluster,
          principalArn: spec.principalArn,
          policyArn: other.policyArn,
        }),
      );
    }
    return { created };
  }

  async deleteAccessEntry(cluster: string, principalArn: string): Promise<void> {
    await this.unlessNotFound('EKS DeleteAccessEntry', () =>
      this.eks.send(new DeleteAccessEntryCommand({ clusterName: cluster, principalArn })),
    );
  }

  private async send(what: string, command: object): Promise<unknown> {
    return awsCall(what, () => this.eks.send(command as never));
  }

  /** A create that finds the resource there already (an earlier run of the same step) is not an error. */
  private async createUnlessInUse(what: string, create: () => Promise<unknown>): Promise<{ created: boolean }> {
    try {
      await awsCall(what, create);
      return { created: true };
    } catch (error) {
      if (awsErrorName(error) === 'ResourceInUseException') return { created: false };
      throw error;
    }
  }

  /**
   * A delete refused with AccessDenied is done if the resource is gone. Our deletes are allowed only on resources
   * tagged `eksflow:managed` (an `aws:ResourceTag` condition), and a resource that no longer exists has no tags:
   * so a retried delete (its first attempt's answer lost, the resource gone since) is refused, not answered
   * ResourceNotFound. Any other refusal, or AccessDenied on a resource that still exists, is thrown.
   */
  private async goneAfterDenial(error: unknown, describe: () => Promise<unknown>): Promise<void> {
    if (awsErrorName(error) !== 'AccessDeniedException' || (await describe()) !== undefined) throw error;
  }

  private async unlessNotFound<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await awsCall(what, call);
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      // A delete of something busy (being created or updated): the caller waits and asks again.
      if (awsErrorName(error) === 'ResourceInUseException')
        throw new ConflictError(`${what}: the resource is busy`, { cause: error });
      throw error;
    }
  }

  private async listAll(
    what: string,
    page: (nextToken?: string) => Promise<{ items: string[]; nextToken?: string }>,
  ): Promise<string[]> {
    const items: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await awsCall(what, () => page(nextToken));
      items.push(...out.items);
      nextToken = out.nextToken;
    } while (nextToken);
    return items;
  }
}

function toClusterInfo(cluster: Cluster): ClusterInfo {
  return {
    name: cluster.name ?? '',
    status: (cluster.status ?? 'PENDING') as ClusterStatus,
    arn: cluster.arn,
    version: cluster.version,
    endpoint: cluster.endpoint,
    caData: cluster.certificateAuthority?.data,
    tags: cluster.tags ?? {},
    logging: (cluster.logging?.clusterLogging ?? []).filter((l) => l.enabled).flatMap((l) => l.types ?? []),
    endpointPublicAccess: cluster.resourcesVpcConfig?.endpointPublicAccess,
    publicAccessCidrs: cluster.resourcesVpcConfig?.publicAccessCidrs,
  };
}

/** EKS answers taint effects as NO_SCHEDULE etc., the spec's own spelling. */
function toObservedNodegroup(ng: Nodegroup): ObservedNodegroup {
  return {
    name: ng.nodegroupName ?? '',
    status: ng.status ?? 'CREATING',
    instanceTypes: ng.instanceTypes ?? [],
    capacityType: ng.capacityType,
    amiType: ng.amiType,
    diskSize: ng.diskSize,
    minSize: ng.scalingConfig?.minSize ?? 0,
    maxSize: ng.scalingConfig?.maxSize ?? 0,
    desiredSize: ng.scalingConfig?.desiredSize ?? 0,
    labels: (ng.labels ?? {}) as Record<string, string>,
    taints: (ng.taints ?? []).map(
      (t): Taint => ({ key: t.key ?? '', ...(t.value ? { value: t.value } : {}), effect: t.effect as TaintEffect }),
    ),
    subnetIds: ng.subnets ?? [],
    nodeRoleArn: ng.nodeRole,
    maxUnavailable: ng.updateConfig?.maxUnavailable,
    tags: ng.tags ?? {},
  };
}
