import { DEFAULT_INSTANCE_TYPE, instanceShape, reservedMemoryMiB, reservedMillicores } from './instance-types';

const MIB = 1024 * 1024;

/**
 * What one new node of the group offers pods, for fitting pending pods before the node exists: the
 * smallest allocatable of the group's instance types (a new node may be any of them), from the same
 * table and EKS AMI reservations the sandbox gives its Nodes (instance-types.ts).
 */
export function allocatableOf(instanceTypes: string[]): { cpuMillis: number; memoryBytes: number; pods: number } {
  const shapes = (instanceTypes.length ? instanceTypes : [DEFAULT_INSTANCE_TYPE]).map((type) => {
    const shape = instanceShape(type);
    return {
      cpuMillis: shape.vcpu * 1000 - reservedMillicores(shape.vcpu),
      memoryBytes: (shape.memoryMiB - reservedMemoryMiB(shape.maxPods)) * MIB,
      pods: shape.maxPods,
    };
  });
  return shapes.reduce((a, b) => ({
    cpuMillis: Math.min(a.cpuMillis, b.cpuMillis),
    memoryBytes: Math.min(a.memoryBytes, b.memoryBytes),
    pods: Math.min(a.pods, b.pods),
  }));
}
