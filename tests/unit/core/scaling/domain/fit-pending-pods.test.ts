import { allocatableOf } from '../../../../../core/scaling/domain/allocatable';
import {
  desiredToFit,
  fitsOnNode,
  type NodeShape,
  nodesNeeded,
  type PendingPod,
} from '../../../../../core/scaling/domain/fit-pending-pods';
import { DEFAULT_INSTANCE_TYPE, nodeResources } from '../../../../../core/scaling/domain/instance-types';

const GiB = 1024 ** 3;
const node: NodeShape = {
  labels: { 'eks.amazonaws.com/nodegroup': 'batch', tier: 'batch' },
  taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
  allocatable: { cpuMillis: 1930, memoryBytes: 6 * GiB, pods: 29 },
};
const tolerateBatch = [{ key: 'dedicated', operator: 'Equal' as const, value: 'batch', effect: 'NoSchedule' }];

function pod(name: string, overrides: Partial<PendingPod> = {}): PendingPod {
  return {
    name,
    requests: { cpuMillis: 500, memoryBytes: GiB },
    tolerations: tolerateBatch,
    nodeSelector: {},
    requiredNodeAffinity: [],
    ...overrides,
  };
}

describe('fitsOnNode: what the scheduler would check on a new node of the group', () => {
  it.each`
    case                                      | overrides                                                                                                  | fits
    ${'tolerates the taint'}                  | ${{}}                                                                                                      | ${true}
    ${'no toleration'}                        | ${{ tolerations: [] }}                                                                                     | ${false}
    ${'tolerates any taint (Exists, no key)'} | ${{ tolerations: [{ operator: 'Exists' }] }}                                                               | ${true}
    ${'tolerates another value'}              | ${{ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web' }] }}                                | ${false}
    ${'selector matches'}                     | ${{ nodeSelector: { tier: 'batch' } }}                                                                     | ${true}
    ${'selector does not match'}              | ${{ nodeSelector: { tier: 'web' } }}                                                                       | ${false}
    ${'affinity In matches'}                  | ${{ requiredNodeAffinity: [[{ key: 'tier', operator: 'In', values: ['batch', 'x'] }]] }}                   | ${true}
    ${'affinity NotIn excludes'}              | ${{ requiredNodeAffinity: [[{ key: 'tier', operator: 'NotIn', values: ['batch'] }]] }}                     | ${false}
    ${'affinity terms are ORed'}              | ${{ requiredNodeAffinity: [[{ key: 'gpu', operator: 'Exists' }], [{ key: 'tier', operator: 'Exists' }]] }} | ${true}
    ${'more CPU than a node has'}             | ${{ requests: { cpuMillis: 2000, memoryBytes: GiB } }}                                                     | ${false}
    ${'more memory than a node has'}          | ${{ requests: { cpuMillis: 100, memoryBytes: 7 * GiB } }}                                                  | ${false}
  `('$case → $fits', ({ overrides, fits }) => {
    // Act / Assess
    expect(fitsOnNode(pod('p', overrides), node)).toBe(fits);
  });

  it('a PreferNoSchedule taint does not keep a pod off', () => {
    // Prepare
    const soft: NodeShape = { ...node, taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] };

    // Act / Assess
    expect(fitsOnNode(pod('p', { tolerations: [] }), soft)).toBe(true);
  });
});

describe('nodesNeeded: first-fit decreasing', () => {
  it.each`
    cpus                      | nodes | why
    ${[500, 500, 500]}        | ${1}  | ${'1500m of 1930m: one node'}
    ${[1000, 1000, 1000]}     | ${3}  | ${'two 1000m pods do not share a 1930m node'}
    ${[1500, 400, 1500, 400]} | ${2}  | ${'each 1500m pod leaves room for one 400m pod'}
    ${[]}                     | ${0}  | ${'nothing pending'}
  `('$cpus millicores → $nodes nodes ($why)', ({ cpus, nodes }) => {
    // Prepare
    const pods = (cpus as number[]).map((cpu, i) =>
      pod(`p${i}`, { requests: { cpuMillis: cpu, memoryBytes: 100 * 1024 ** 2 } }),
    );

    // Act
    const result = nodesNeeded(pods, node);

    // Assess
    expect(result.nodes).toBe(nodes);
    expect(result.fitting).toHaveLength(cpus.length);
  });

  it('leaves out pods the group cannot host (they would stay Pending however many nodes)', () => {
    // Act
    const result = nodesNeeded([pod('fits'), pod('other-group', { nodeSelector: { tier: 'web' } })], node);

    // Assess
    expect(result).toEqual({ nodes: 1, fitting: ['fits'] });
  });

  it('counts the pods-per-node limit', () => {
    // Prepare
    const tiny = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, { requests: { cpuMillis: 1, memoryBytes: 1 } }));

    // Act / Assess
    expect(nodesNeeded(tiny, { ...node, allocatable: { ...node.allocatable, pods: 2 } }).nodes).toBe(3);
  });
});

describe('desiredToFit: raise within max, never lower', () => {
  it.each`
    desired | max   | nodes | result
    ${3}    | ${10} | ${2}  | ${5}
    ${3}    | ${4}  | ${5}  | ${4}
    ${6}    | ${4}  | ${0}  | ${6}
    ${3}    | ${10} | ${0}  | ${3}
  `('desired $desired, max $max, $nodes more nodes → $result', ({ desired, max, nodes, result }) => {
    // Act / Assess
    expect(desiredToFit({ desiredSize: desired, maxSize: max }, nodes)).toBe(result);
  });
});

describe('allocatableOf', () => {
  it('m6i.large: 2 vCPU less 70m reserved, 8 GiB less kube-reserved and eviction, 29 pods', () => {
    // Act / Assess
    expect(allocatableOf(['m6i.large'])).toEqual({
      cpuMillis: 1930,
      memoryBytes: (8192 - (11 * 29 + 255) - 100) * 1024 ** 2,
      pods: 29,
    });
  });

  it("agrees with the sandbox Node's allocatable for the same type", () => {
    // Prepare
    const node = nodeResources('c5.xlarge').allocatable;

    // Act
    const fit = allocatableOf(['c5.xlarge']);

    // Assess
    expect(`${fit.cpuMillis}m`).toBe(node.cpu);
    expect(`${fit.memoryBytes / 1024}Ki`).toBe(node.memory);
    expect(String(fit.pods)).toBe(node.pods);
  });

  it('takes the smallest of several types, and the default type for types it does not know', () => {
    // Act / Assess
    expect(allocatableOf(['m6i.xlarge', 'm6i.large']).cpuMillis).toBe(1930);
    expect(allocatableOf(['x9.unknown'])).toEqual(allocatableOf([DEFAULT_INSTANCE_TYPE]));
    expect(allocatableOf([])).toEqual(allocatableOf([DEFAULT_INSTANCE_TYPE]));
  });
});
