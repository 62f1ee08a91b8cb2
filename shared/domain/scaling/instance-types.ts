/**
 * What one node of an instance type offers pods (allocatable), for fitting pending pods before the node
 * exists. Figures follow the EKS AMI's reservations: kube-reserved CPU (6 % of the first core, 1 % of the
 * second, 0.5 % of the next two, 0.25 % above), memory minus kube-reserved (11 MiB per pod + 255 MiB) and
 * the 100 MiB eviction threshold, pods from the VPC CNI's ENI limits (eni-max-pods.txt).
 */

const MIB = 1024 * 1024;

interface InstanceType {
  vcpus: number;
  memoryMib: number;
  maxPods: number;
}

/** The instance types eksflow's users pick most; an unknown type falls back to DEFAULT_INSTANCE_TYPE. */
const INSTANCE_TYPES: Record<string, InstanceType> = {
  't3.small': { vcpus: 2, memoryMib: 2048, maxPods: 11 },
  't3.medium': { vcpus: 2, memoryMib: 4096, maxPods: 17 },
  't3.large': { vcpus: 2, memoryMib: 8192, maxPods: 35 },
  't3.xlarge': { vcpus: 4, memoryMib: 16384, maxPods: 58 },
  'm5.large': { vcpus: 2, memoryMib: 8192, maxPods: 29 },
  'm5.xlarge': { vcpus: 4, memoryMib: 16384, maxPods: 58 },
  'm6i.large': { vcpus: 2, memoryMib: 8192, maxPods: 29 },
  'm6i.xlarge': { vcpus: 4, memoryMib: 16384, maxPods: 58 },
  'm6i.2xlarge': { vcpus: 8, memoryMib: 32768, maxPods: 58 },
  'c6i.large': { vcpus: 2, memoryMib: 4096, maxPods: 29 },
  'c6i.xlarge': { vcpus: 4, memoryMib: 8192, maxPods: 58 },
  'r6i.large': { vcpus: 2, memoryMib: 16384, maxPods: 29 },
};

/** moto's default instance type for a node group that names none, and EKS's too. */
export const DEFAULT_INSTANCE_TYPE = 't3.medium';

function reservedCpuMillis(vcpus: number): number {
  const tiers = [60, 10, 5, 5];
  let reserved = 0;
  for (let core = 0; core < vcpus; core++) reserved += tiers[core] ?? 2.5;
  return Math.ceil(reserved);
}

/** Allocatable of the group's smallest instance type (a new node may be any of them). */
export function allocatableOf(instanceTypes: string[]): { cpuMillis: number; memoryBytes: number; pods: number } {
  const known = instanceTypes.map((t) => INSTANCE_TYPES[t]).filter((t): t is InstanceType => t !== undefined);
  const candidates = known.length ? known : [INSTANCE_TYPES[DEFAULT_INSTANCE_TYPE]];
  const shapes = candidates.map((t) => ({
    cpuMillis: t.vcpus * 1000 - reservedCpuMillis(t.vcpus),
    memoryBytes: (t.memoryMib - (11 * t.maxPods + 255) - 100) * MIB,
    pods: t.maxPods,
  }));
  return shapes.reduce((a, b) => ({
    cpuMillis: Math.min(a.cpuMillis, b.cpuMillis),
    memoryBytes: Math.min(a.memoryBytes, b.memoryBytes),
    pods: Math.min(a.pods, b.pods),
  }));
}
