import {
  DEFAULT_INSTANCE_TYPE,
  instanceShape,
  isKnownInstanceType,
  nodeResources,
  reservedMemoryMiB,
  reservedMillicores,
} from '../../../../../core/scaling/domain/instance-types';

describe('instance types as EKS nodes', () => {
  it('gives capacity and EKS max-pods of common types', () => {
    // Act
    const large = nodeResources('m5.large');
    const batch = nodeResources('c5.xlarge');

    // Assess
    expect(large.capacity).toEqual({ cpu: '2000m', memory: `${8 * 1024 * 1024}Ki`, pods: '29' });
    expect(batch.capacity).toEqual({ cpu: '4000m', memory: `${8 * 1024 * 1024}Ki`, pods: '58' });
    expect(instanceShape('m5.24xlarge').maxPods).toBe(737);
  });

  it("leaves allocatable what the EKS AMI's kubelet reserves: CPU by core bands, memory by max-pods", () => {
    // Act
    const large = nodeResources('m5.large');

    // Assess
    expect(reservedMillicores(1)).toBe(60);
    expect(reservedMillicores(2)).toBe(70); // 60 + 10
    expect(reservedMillicores(4)).toBe(80); // + 2 × 5
    expect(reservedMillicores(8)).toBe(90); // + 4 × 2.5
    expect(large.allocatable.cpu).toBe('1930m');
    expect(reservedMemoryMiB(29)).toBe(255 + 11 * 29 + 100);
    expect(large.allocatable.memory).toBe(`${(8192 - reservedMemoryMiB(29)) * 1024}Ki`);
  });

  it('takes an unknown type as the documented default', () => {
    // Act
    const unknown = instanceShape('x9.mega');

    // Assess
    expect(isKnownInstanceType('x9.mega')).toBe(false);
    expect(unknown).toEqual(instanceShape(DEFAULT_INSTANCE_TYPE));
  });
});
