import {
  mergePatch,
  newPodTemplate,
  revisionOf,
  sameLabels,
  selects,
  withHistory,
} from '../../../../../core/rollouts/domain/rollout';
import {
  type BlueGreenRolloutRequest,
  type CanaryRolloutRequest,
  type PodTemplate,
  REVISION_LABEL,
  type Rollout,
  VERSION_LABEL,
} from '../../../../../core/rollouts/domain/types';
import { storedCanaryRollout } from '../../../../helpers/rollout-world';

const stable: PodTemplate = {
  metadata: { labels: { app: 'web' }, annotations: { team: 'shop' } },
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1.27' },
      { name: 'sidecar', image: 'envoy:1.30' },
    ],
    terminationGracePeriodSeconds: 30,
  },
};

function request(overrides: Partial<CanaryRolloutRequest> = {}): CanaryRolloutRequest {
  return {
    cluster: 'sandbox',
    namespace: 'shop',
    deployment: 'web',
    image: 'nginx:1.28',
    canary: { trafficRouting: 'replicas', steps: [{ setWeight: 10 }], analysis: { alarms: [], noData: 'pause' } },
    progressDeadlineSeconds: 600,
    ...overrides,
  };
}

describe('newPodTemplate', () => {
  it('puts the image on the chosen container only', () => {
    // Act
    const template = newPodTemplate(stable, request({ image: 'nginx:1.28' }), 'r1', 'web');

    // Assess
    expect(template.spec?.containers).toEqual([
      { name: 'web', image: 'nginx:1.28' },
      { name: 'sidecar', image: 'envoy:1.30' },
    ]);
  });

  it('can target the second container', () => {
    // Act
    const template = newPodTemplate(stable, request({ image: 'envoy:1.31', container: 'sidecar' }), 'r1', 'sidecar');

    // Assess
    expect(template.spec?.containers?.map((c) => c.image)).toEqual(['nginx:1.27', 'envoy:1.31']);
  });

  it('adds the revision label and keeps the existing labels and other fields (canary: no version label)', () => {
    // Act
    const template = newPodTemplate(stable, request(), 'rabc', 'web');

    // Assess
    expect(template.metadata?.labels).toEqual({ app: 'web', [REVISION_LABEL]: 'rabc' });
    expect(template.metadata?.annotations).toEqual({ team: 'shop' });
    expect(template.spec?.terminationGracePeriodSeconds).toBe(30);
  });

  it('sets the version label too for blue-green', () => {
    // Prepare
    const bg: BlueGreenRolloutRequest = {
      ...request(),
      canary: undefined,
      blueGreen: { activeService: 'web', scaleDownDelaySeconds: 30, analysis: { alarms: [], noData: 'pause' } },
    };

    // Act
    const template = newPodTemplate(stable, bg, 'rabc', 'web');

    // Assess
    expect(template.metadata?.labels).toEqual({ app: 'web', [REVISION_LABEL]: 'rabc', [VERSION_LABEL]: 'rabc' });
  });

  it('applies the pod-template patch after the image (merge patch: null deletes; containers merged by name)', () => {
    // Prepare
    const patch = {
      metadata: { annotations: { team: null, owner: 'payments' } },
      spec: { terminationGracePeriodSeconds: null, containers: [{ name: 'web', image: 'nginx:patched' }] },
    };

    // Act
    const template = newPodTemplate(stable, request({ image: 'nginx:1.28', podTemplatePatch: patch }), 'r1', 'web');

    // Assess
    expect(template.metadata?.annotations).toEqual({ owner: 'payments' });
    expect(template.spec?.containers).toEqual([
      { ...stable.spec?.containers?.[0], name: 'web', image: 'nginx:patched' },
      stable.spec?.containers?.[1],
    ]);
    expect(template.spec).not.toHaveProperty('terminationGracePeriodSeconds');
    expect(template.metadata?.labels?.[REVISION_LABEL]).toBe('r1');
  });

  it('keeps what a container patch does not name (ports, securityContext), and ignores unknown names', () => {
    // Prepare
    const secured: PodTemplate = {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], securityContext: { runAsNonRoot: true } },
        ],
      } as unknown as PodTemplate['spec'],
    };
    const patch = { spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }] }, { name: 'ghost' }] } };

    // Act
    const template = newPodTemplate(secured, request({ image: undefined, podTemplatePatch: patch }), 'r1', undefined);

    // Assess
    expect(template.spec?.containers).toEqual([
      {
        name: 'web',
        image: 'nginx:1.27',
        ports: [{ containerPort: 80 }],
        securityContext: { runAsNonRoot: true },
        env: [{ name: 'A', value: '1' }],
      },
    ]);
  });

  it('works from a patch alone (no image)', () => {
    // Act
    const template = newPodTemplate(
      stable,
      request({ image: undefined, podTemplatePatch: { spec: { priorityClassName: 'high' } } }),
      'r1',
      undefined,
    );

    // Assess
    expect(template.spec?.priorityClassName).toBe('high');
    expect(template.spec?.containers?.map((c) => c.image)).toEqual(['nginx:1.27', 'envoy:1.30']);
  });

  it('does not mutate the stable template', () => {
    // Prepare
    const before = structuredClone(stable);

    // Act
    newPodTemplate(
      stable,
      request({ podTemplatePatch: { spec: { containers: [] }, metadata: { annotations: { team: null } } } }),
      'r1',
      'web',
    );

    // Assess
    expect(stable).toEqual(before);
  });
});

describe('mergePatch (RFC 7386 appendix A)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j → %j', (target, patch, expected) => {
    // Act / Assess
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('leaves target and patch untouched', () => {
    // Prepare
    const target = { a: { b: 1, c: [1, 2] } };
    const patch = { a: { b: null, c: [3] } };
    const [t, p] = [structuredClone(target), structuredClone(patch)];

    // Act
    const result = mergePatch(target, patch) as { a: { c: number[] } };
    result.a.c.push(4);

    // Assess
    expect(target).toEqual(t);
    expect(patch).toEqual(p);
  });
});

describe('revisionOf', () => {
  it.each`
    id                                        | revision
    ${'0f8fad5b-d9cb-469f-a165-70867728950e'} | ${'r0f8fad5bd9'}
    ${'abc'}                                  | ${'rabc'}
    ${'a-b-c-d-e-f-g-h-i-j-k-l'}              | ${'rabcdefghij'}
  `('$id → $revision', ({ id, revision }) => {
    // Act / Assess
    expect(revisionOf(id)).toBe(revision);
  });

  it('is a valid label value (≤ 63 chars, alphanumeric ends)', () => {
    // Act
    const revision = revisionOf('0f8fad5b-d9cb-469f-a165-70867728950e');

    // Assess
    expect(revision).toMatch(/^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/);
  });
});

describe('selects', () => {
  it.each`
    selector                         | labels                           | result
    ${{ app: 'web' }}                | ${{ app: 'web', tier: 'front' }} | ${true}
    ${{ app: 'web', version: 'r1' }} | ${{ app: 'web' }}                | ${false}
    ${{ app: 'web' }}                | ${{ app: 'api' }}                | ${false}
    ${{ app: 'web', version: 'r1' }} | ${{ app: 'web', version: 'r1' }} | ${true}
    ${{}}                            | ${{ app: 'web' }}                | ${true}
    ${{ app: 'web' }}                | ${undefined}                     | ${false}
  `('$selector on $labels → $result', ({ selector, labels, result }) => {
    // Prepare
    const template: PodTemplate = labels ? { metadata: { labels } } : {};

    // Act / Assess
    expect(selects(selector, template)).toBe(result);
  });
});

describe('sameLabels', () => {
  it.each`
    a                     | b                     | result
    ${{ a: '1', b: '2' }} | ${{ b: '2', a: '1' }} | ${true}
    ${undefined}          | ${{}}                 | ${true}
    ${undefined}          | ${undefined}          | ${true}
    ${{ a: '1' }}         | ${{ a: '2' }}         | ${false}
    ${{ a: '1' }}         | ${{ a: '1', b: '2' }} | ${false}
    ${{ a: '1', b: '2' }} | ${{ a: '1' }}         | ${false}
    ${{ a: '1' }}         | ${{ b: '1' }}         | ${false}
    ${{ a: '1' }}         | ${undefined}          | ${false}
  `('$a vs $b → $result', ({ a, b, result }) => {
    // Act / Assess
    expect(sameLabels(a, b)).toBe(result);
  });
});

describe('withHistory', () => {
  const t0 = new Date('2026-03-01T12:00:00.000Z');

  function rollout(historyLength: number): Rollout {
    return storedCanaryRollout({
      request: request(),
      stepStartedAt: t0.toISOString(),
      stable: { replicas: 10, template: stable },
      newTemplate: stable,
      revision: 'r1',
      alarms: [],
      history: Array.from({ length: historyLength }, (_, i) => ({
        at: t0.toISOString(),
        type: 'StepStarted' as const,
        message: `event ${i}`,
      })),
      createdAt: t0.toISOString(),
      updatedAt: t0.toISOString(),
      version: 3,
    });
  }

  it('appends the event with its time and extra fields, and moves updatedAt', () => {
    // Prepare
    const r = rollout(1);
    const later = new Date(t0.getTime() + 5000);

    // Act
    const next = withHistory(r, later, 'Paused', 'paused', { stepIndex: 1 });

    // Assess
    expect(next.history).toHaveLength(2);
    expect(next.history[1]).toEqual({
      at: '2026-03-01T12:00:05.000Z',
      type: 'Paused',
      message: 'paused',
      stepIndex: 1,
    });
    expect(next.updatedAt).toBe('2026-03-01T12:00:05.000Z');
    expect(r.history).toHaveLength(1);
    expect(r.updatedAt).toBe(t0.toISOString());
  });

  it.each`
    before | after  | oldestKept
    ${0}   | ${1}   | ${'new'}
    ${198} | ${199} | ${'event 0'}
    ${199} | ${200} | ${'event 0'}
    ${200} | ${200} | ${'event 1'}
    ${250} | ${200} | ${'event 51'}
  `('caps the history at 200: $before + 1 → $after, oldest kept "$oldestKept"', ({ before, after, oldestKept }) => {
    // Act
    const next = withHistory(rollout(before), t0, 'Resumed', 'new');

    // Assess
    expect(next.history).toHaveLength(after);
    expect(next.history[0]?.message).toBe(oldestKept);
    expect(next.history.at(-1)?.message).toBe('new');
  });
});
