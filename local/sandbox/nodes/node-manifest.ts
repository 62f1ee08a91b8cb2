import type { V1Node, V1Taint } from '@kubernetes/client-node';
import { nodeResources } from '../../../core/scaling/domain/instance-types';

/** What the sandbox reads of an EKS node group (DescribeNodegroup) to make its Nodes. */
export interface NodegroupShape {
  name: string;
  desiredSize: number;
  /** EKS's default when none is given is t3.medium: a group always has one. */
  instanceTypes: [string, ...string[]];
  capacityType: string;
  amiType?: string;
  diskSize?: number;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
}

export const NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';
/** The order in which a node group's Nodes were made: scale-in removes the highest first, as EKS removes newest. */
export const SEQUENCE_ANNOTATION = 'sandbox.eksflow.io/sequence';

/** EKS's taint effects (API enum) → Kubernetes'. */
const TAINT_EFFECTS: Record<string, V1Taint['effect']> = {
  NO_SCHEDULE: 'NoSchedule',
  NO_EXECUTE: 'NoExecute',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
};

/** EKS managed node groups default to a 20 GiB root volume. */
const DEFAULT_DISK_GIB = 20;

/** The node's private IP (and so its EC2-style name) from the cluster-wide sequence: 10.0.0.10, 10.0.0.11, … */
export function nodeAddress(sequence: number): string {
  const n = sequence + 10;
  return `10.0.${Math.floor(n / 250) % 250}.${n % 250}`;
}

/** `ip-10-0-0-10.ec2.internal` in us-east-1, `ip-10-0-0-10.eu-west-1.compute.internal` elsewhere, as EC2 names hosts. */
export function nodeName(sequence: number, region: string): string {
  const domain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
  return `ip-${nodeAddress(sequence).replaceAll('.', '-')}.${domain}`;
}

export function kubeTaints(nodegroup: NodegroupShape): V1Taint[] {
  return nodegroup.taints.map((t) => ({
    key: t.key,
    ...(t.value ? { value: t.value } : {}),
    effect: TAINT_EFFECTS[t.effect] ?? (t.effect as V1Taint['effect']),
  }));
}

/** The labels a node of this group carries: the EKS and well-known ones, then the group's own. */
export function nodeLabels(nodegroup: NodegroupShape, name: string, zone: string, region: string) {
  const [instanceType] = nodegroup.instanceTypes;
  const arch = nodegroup.amiType?.includes('ARM') ? 'arm64' : 'amd64';
  return {
    [NODEGROUP_LABEL]: nodegroup.name,
    'eks.amazonaws.com/capacityType': nodegroup.capacityType,
    'node.kubernetes.io/instance-type': instanceType,
    'beta.kubernetes.io/instance-type': instanceType,
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'topology.kubernetes.io/region': region,
    'topology.kubernetes.io/zone': zone,
    ...nodegroup.labels,
  };
}

/** A Ready Node of the group, status included (the API server takes a Node's status on create). */
export function nodeManifest(nodegroup: NodegroupShape, sequence: number, region: string): V1Node {
  const name = nodeName(sequence, region);
  // Spread over three zones as a node group over three subnets would be.
  const zone = `${region}${'abc'[sequence % 3]}`;
  const [instanceType] = nodegroup.instanceTypes;
  const { capacity, allocatable } = nodeResources(instanceType);
  const storage = `${nodegroup.diskSize ?? DEFAULT_DISK_GIB}Gi`;
  const now = new Date();
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: 'simulated by the eksflow sandbox',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: nodeLabels(nodegroup, name, zone, region),
      annotations: { [SEQUENCE_ANNOTATION]: String(sequence) },
    },
    spec: {
      providerID: `aws:///${zone}/i-${(0x0a000000 + sequence).toString(16).padStart(17, '0')}`,
      taints: kubeTaints(nodegroup),
    },
    status: {
      capacity: { ...capacity, 'ephemeral-storage': storage },
      allocatable: { ...allocatable, 'ephemeral-storage': storage },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
        condition('Ready', 'True', 'KubeletReady'),
      ],
      addresses: [
        { type: 'InternalIP', address: nodeAddress(sequence) },
        { type: 'Hostname', address: name },
        { type: 'InternalDNS', address: name },
      ],
      nodeInfo: {
        architecture: nodeLabels(nodegroup, name, zone, region)['kubernetes.io/arch'],
        bootID: '',
        containerRuntimeVersion: 'simulated://1.0',
        kernelVersion: '6.1.0',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.36.3',
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'eksflow sandbox simulated node',
        systemUUID: '',
      },
    },
  };
}
