/**
 * What an EC2 instance offers as an EKS node: capacity, and what the EKS-optimized AMI's kubelet leaves
 * allocatable. The sandbox gives its simulated Nodes these figures, so resource requests schedule as they
 * would on EKS; the same table answers "how many of these pods fit on one node" for capacity decisions.
 */
export interface InstanceShape {
  vcpu: number;
  memoryMiB: number;
  /** EKS max-pods with the VPC CNI (ENIs × (IPv4 addresses per ENI − 1) + 2), as the AMI's eni-max-pods.txt. */
  maxPods: number;
}

export interface NodeResources {
  /** Kubernetes quantities: cpu in millicores ("1930m"), memory in Ki ("7291444Ki"), pods ("29"). */
  capacity: { cpu: string; memory: string; pods: string };
  allocatable: { cpu: string; memory: string; pods: string };
}

const GiB = 1024;

/** An instance type not in the table is taken as an m5.large (2 vCPU, 8 GiB, 29 pods): EKS's common default. */
export const DEFAULT_INSTANCE_TYPE = 'm5.large';
const DEFAULT_SHAPE: [vcpu: number, memoryGiB: number, maxPods: number] = [2, 8, 29];

/** The common general purpose, burstable, compute and memory optimized sizes (vCPU, GiB, EKS max-pods). */
const SHAPES: Record<string, [vcpu: number, memoryGiB: number, maxPods: number]> = {
  't3.micro': [2, 1, 4],
  't3.small': [2, 2, 11],
  't3.medium': [2, 4, 17],
  't3.large': [2, 8, 35],
  't3.xlarge': [4, 16, 58],
  't3.2xlarge': [8, 32, 58],
  [DEFAULT_INSTANCE_TYPE]: DEFAULT_SHAPE,
  'm5.xlarge': [4, 16, 58],
  'm5.2xlarge': [8, 32, 58],
  'm5.4xlarge': [16, 64, 234],
  'm5.8xlarge': [32, 128, 234],
  'm5.12xlarge': [48, 192, 234],
  'm5.16xlarge': [64, 256, 737],
  'm5.24xlarge': [96, 384, 737],
  'm6i.large': [2, 8, 29],
  'm6i.xlarge': [4, 16, 58],
  'm6i.2xlarge': [8, 32, 58],
  'm6i.4xlarge': [16, 64, 234],
  'm6i.8xlarge': [32, 128, 234],
  'm6i.12xlarge': [48, 192, 234],
  'm6i.16xlarge': [64, 256, 737],
  'm6i.24xlarge': [96, 384, 737],
  'm6i.32xlarge': [128, 512, 737],
  'c5.large': [2, 4, 29],
  'c5.xlarge': [4, 8, 58],
  'c5.2xlarge': [8, 16, 58],
  'c5.4xlarge': [16, 32, 234],
  'c5.9xlarge': [36, 72, 234],
  'c5.12xlarge': [48, 96, 234],
  'c5.18xlarge': [72, 144, 737],
  'c5.24xlarge': [96, 192, 737],
  'r5.large': [2, 16, 29],
  'r5.xlarge': [4, 32, 58],
  'r5.2xlarge': [8, 64, 58],
  'r5.4xlarge': [16, 128, 234],
  'r5.8xlarge': [32, 256, 234],
  'r5.12xlarge': [48, 384, 234],
  'r5.16xlarge': [64, 512, 737],
  'r5.24xlarge': [96, 768, 737],
};

export function instanceShape(instanceType: string): InstanceShape {
  const [vcpu, memoryGiB, maxPods] = SHAPES[instanceType] ?? DEFAULT_SHAPE;
  return { vcpu, memoryMiB: memoryGiB * GiB, maxPods };
}

export function isKnownInstanceType(instanceType: string): boolean {
  return instanceType in SHAPES;
}

/**
 * kube-reserved CPU of the EKS AMI (bootstrap.sh, as GKE's formula): 6 % of the first core, 1 % of the
 * second, 0.5 % of the next two, 0.25 % of every core above four.
 */
export function reservedMillicores(vcpu: number): number {
  const bands: [cores: number, share: number][] = [
    [1, 0.06],
    [1, 0.01],
    [2, 0.005],
    [Number.POSITIVE_INFINITY, 0.0025],
  ];
  let left = vcpu;
  let reserved = 0;
  for (const [cores, share] of bands) {
    const used = Math.min(left, cores);
    reserved += used * 1000 * share;
    left -= used;
  }
  return Math.round(reserved);
}

/** kube-reserved memory of the EKS AMI (255 MiB + 11 MiB per pod) plus the 100 MiB hard eviction threshold. */
export function reservedMemoryMiB(maxPods: number): number {
  return 255 + 11 * maxPods + 100;
}

export function nodeResources(instanceType: string): NodeResources {
  const shape = instanceShape(instanceType);
  const pods = String(shape.maxPods);
  return {
    capacity: { cpu: `${shape.vcpu * 1000}m`, memory: `${shape.memoryMiB * 1024}Ki`, pods },
    allocatable: {
      cpu: `${shape.vcpu * 1000 - reservedMillicores(shape.vcpu)}m`,
      memory: `${(shape.memoryMiB - reservedMemoryMiB(shape.maxPods)) * 1024}Ki`,
      pods,
    },
  };
}
