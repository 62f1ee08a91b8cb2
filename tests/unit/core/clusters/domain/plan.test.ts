import type { ClusterSpec, NodegroupSpec } from '../../../../../core/clusters/domain/cluster';
import {
  baselineDigest,
  isNoChange,
  nodegroupChanges,
  type ObservedNodegroup,
  planDelete,
  planProvision,
} from '../../../../../core/clusters/domain/plan';

const nodegroup: NodegroupSpec = {
  name: 'general',
  instanceTypes: ['m6i.large'],
  capacityType: 'ON_DEMAND',
  minSize: 1,
  maxSize: 3,
  desiredSize: 2,
  labels: { tier: 'general' },
  taints: [],
  subnetIds: ['subnet-a', 'subnet-b'],
  nodeRoleArn: 'arn:aws:iam::123456789012:role/node',
};
const observed: ObservedNodegroup = { ...nodegroup, status: 'ACTIVE', tags: {} };

const spec: ClusterSpec = {
  name: 'prod',
  version: '1.33',
  roleArn: 'arn:aws:iam::123456789012:role/cluster',
  subnetIds: ['subnet-a', 'subnet-b'],
  securityGroupIds: [],
  endpointPublicAccess: false,
  publicAccessCidrs: [],
  endpointPrivateAccess: true,
  logging: ['api', 'audit'],
  tags: {},
  nodegroups: [nodegroup],
  addons: [{ name: 'coredns', version: 'latest', resolveConflicts: 'OVERWRITE' }],
  access: [],
  namespaces: [{ name: 'team-a', labels: {}, networkPolicy: 'default-deny' }],
  onFailure: 'rollback',
};

describe('nodegroupChanges', () => {
  it.each([
    ['nothing', {}, [], []],
    ['desired size', { desiredSize: 3 }, ['desiredSize'], []],
    ['a label', { labels: { tier: 'batch' } }, ['labels'], []],
    ['a taint', { taints: [{ key: 'k', effect: 'NO_SCHEDULE' as const }] }, ['taints'], []],
    ['the instance type', { instanceTypes: ['c6i.large'] }, [], ['instanceTypes']],
    ['capacity and scaling', { capacityType: 'SPOT' as const, maxSize: 5 }, ['maxSize'], ['capacityType']],
  ])('%s: updatable %j, fixed %j', (_what, change, updatable, fixed) => {
    // Act
    const changes = nodegroupChanges({ ...nodegroup, ...change }, observed);

    // Assess
    expect(changes).toEqual({ updatable, fixed });
  });

  it('a field the spec leaves to EKS (disk size) is not a difference', () => {
    // Act / Assess
    expect(nodegroupChanges(nodegroup, { ...observed, diskSize: 20 })).toEqual({ updatable: [], fixed: [] });
  });
});

describe('planProvision', () => {
  it('everything is created when nothing exists', () => {
    // Act
    const plan = planProvision(spec, { nodegroups: [], addons: [], accessEntries: [] });

    // Assess
    expect(plan.map((p) => `${p.resource}:${p.action}`)).toEqual([
      'controlPlane:create',
      'nodegroup:create',
      'addon:create',
      'baseline:create',
    ]);
    expect(isNoChange(plan)).toBe(false);
  });

  it('an existing cluster that matches (latest resolved, baseline digest tagged) is no change', () => {
    // Prepare
    const controlPlane = {
      name: 'prod',
      status: 'ACTIVE' as const,
      version: '1.33',
      logging: ['audit', 'api'],
      endpointPublicAccess: false,
      tags: { 'eksflow:baseline': baselineDigest(spec.namespaces) },
    };
    const world = {
      controlPlane,
      nodegroups: [observed],
      addons: [{ name: 'coredns', status: 'ACTIVE', version: 'v1.12.1', tags: {} }],
      accessEntries: [],
    };

    // Act
    const plan = planProvision(spec, world, { coredns: 'v1.12.1' });
    const newer = planProvision(spec, world, { coredns: 'v1.12.2' });

    // Assess
    expect(isNoChange(plan)).toBe(true);
    expect(newer.find((p) => p.resource === 'addon')).toEqual({
      resource: 'addon',
      name: 'coredns',
      action: 'update',
      changes: ['version'],
    });
  });

  it('a changed namespace spec changes the baseline digest', () => {
    // Act / Assess
    expect(baselineDigest(spec.namespaces)).not.toBe(
      baselineDigest(spec.namespaces.map((ns) => ({ ...ns, networkPolicy: 'allow-same-namespace' as const }))),
    );
  });
});

describe('planDelete', () => {
  it('node groups and add-ons first, the control plane last', () => {
    // Act
    const plan = planDelete('prod', {
      controlPlane: { name: 'prod', status: 'ACTIVE', tags: {} },
      nodegroups: [observed],
      addons: [{ name: 'vpc-cni', status: 'ACTIVE', tags: {} }],
      accessEntries: [],
    });

    // Assess
    expect(plan.map((p) => `${p.resource}:${p.name}`)).toEqual([
      'nodegroup:general',
      'addon:vpc-cni',
      'controlPlane:prod',
    ]);
  });
});
