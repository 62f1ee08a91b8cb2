import { ValidationError } from '../../../../../core/kernel/errors';
import {
  alarmsOf,
  depthOf,
  MAX_ABORT_REASON_LENGTH,
  MAX_ALARMS_PER_LIST,
  MAX_ALARMS_PER_ROLLOUT,
  MAX_CANARY_STEPS,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_IMAGE_LENGTH,
  MAX_POD_TEMPLATE_PATCH_BYTES,
  MAX_POD_TEMPLATE_PATCH_DEPTH,
  parseAbortReason,
  parsePromoteRequest,
  parseRolloutRequest,
} from '../../../../../core/rollouts/requests/rollout-request';
import { defined } from '../../../../helpers/defined';

const target = { cluster: 'sandbox', namespace: 'shop', deployment: 'web' };

function canary(steps: unknown[], extra: Record<string, unknown> = {}) {
  return { ...target, image: 'nginx:1.28', canary: { steps, ...extra } };
}

/** The ValidationError thrown for `body` (fails the test when nothing is thrown). */
function refusal(body: unknown): ValidationError {
  try {
    parseRolloutRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected a ValidationError for ${JSON.stringify(body)}`);
}

const fields = (error: ValidationError) => error.details.map((d) => d.field);

describe('parseRolloutRequest: the contract examples', () => {
  it('parses the canary example', () => {
    // Prepare
    const body = {
      ...target,
      image: 'nginx:1.28',
      canary: {
        trafficRouting: 'replicas',
        steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }, { setWeight: 50 }, { pause: {} }],
        analysis: { alarms: ['web-5xx-rate'], noData: 'pass' },
      },
    };

    // Act
    const request = parseRolloutRequest(body);

    // Assess
    expect(request).toEqual({
      ...target,
      image: 'nginx:1.28',
      progressDeadlineSeconds: 600,
      canary: {
        trafficRouting: 'replicas',
        steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }, { setWeight: 50 }, { pause: {} }],
        analysis: { alarms: ['web-5xx-rate'], noData: 'pass' },
      },
    });
  });

  it('parses the blue-green example', () => {
    // Prepare
    const body = {
      ...target,
      image: 'nginx:1.28',
      blueGreen: {
        activeService: 'web',
        previewService: 'web-preview',
        autoPromotionSeconds: 300,
        scaleDownDelaySeconds: 30,
        analysis: { alarms: ['web-5xx-rate'] },
      },
    };

    // Act
    const request = parseRolloutRequest(body);

    // Assess
    expect(request.blueGreen).toEqual({
      activeService: 'web',
      previewService: 'web-preview',
      autoPromotionSeconds: 300,
      scaleDownDelaySeconds: 30,
      analysis: { alarms: ['web-5xx-rate'], noData: 'pause' },
    });
    expect(request.canary).toBeUndefined();
  });
});

describe('parseRolloutRequest: defaults', () => {
  it('fills progressDeadlineSeconds 600, noData pause, no alarms, trafficRouting replicas', () => {
    // Act
    const request = parseRolloutRequest(canary([{ setWeight: 20 }]));

    // Assess
    expect(request.progressDeadlineSeconds).toBe(600);
    expect(request.canary).toEqual({
      trafficRouting: 'replicas',
      steps: [{ setWeight: 20 }],
      analysis: { alarms: [], noData: 'pause' },
    });
  });

  it('fills scaleDownDelaySeconds 30 and noData pause for blue-green, without autoPromotionSeconds', () => {
    // Act
    const request = parseRolloutRequest({ ...target, image: 'nginx:1.28', blueGreen: { activeService: 'web' } });

    // Assess
    expect(request.blueGreen).toEqual({
      activeService: 'web',
      scaleDownDelaySeconds: 30,
      analysis: { alarms: [], noData: 'pause' },
    });
  });

  it('accepts a podTemplatePatch instead of an image', () => {
    // Act
    const request = parseRolloutRequest({
      ...target,
      podTemplatePatch: { spec: { priorityClassName: 'high' } },
      canary: { steps: [{ setWeight: 100 }] },
    });

    // Assess
    expect(request.podTemplatePatch).toEqual({ spec: { priorityClassName: 'high' } });
    expect(request.image).toBeUndefined();
  });

  it('accepts decreasing weights with allowWeightDecrease', () => {
    // Act
    const request = parseRolloutRequest(canary([{ setWeight: 50 }, { setWeight: 10 }], { allowWeightDecrease: true }));

    // Assess
    expect(request.canary?.steps).toEqual([{ setWeight: 50 }, { setWeight: 10 }]);
  });

  it('accepts equal consecutive weights, 0 and 100, and every step type', () => {
    // Act
    const request = parseRolloutRequest(
      canary([
        { setWeight: 0 },
        { setWeight: 0 },
        { analysis: {} },
        { analysis: { alarms: ['x'] } },
        { pause: { duration: '1h30m' } },
        { setWeight: 100 },
      ]),
    );

    // Assess
    expect(request.canary?.steps).toHaveLength(6);
  });
});

describe('parseRolloutRequest: refusals name the field', () => {
  const cases: Array<[string, unknown, string]> = [
    ['no strategy', { ...target, image: 'nginx:1.28' }, 'canary'],
    [
      'both strategies',
      { ...target, image: 'nginx:1.28', canary: { steps: [{ setWeight: 10 }] }, blueGreen: { activeService: 'web' } },
      'blueGreen',
    ],
    ['no image and no podTemplatePatch', { ...target, canary: { steps: [{ setWeight: 10 }] } }, 'image'],
    ['setWeight 150', canary([{ setWeight: 150 }]), 'canary.steps.0'],
    ['setWeight -1', canary([{ setWeight: 10 }, { setWeight: -1 }]), 'canary.steps.1'],
    ['setWeight 10.5', canary([{ setWeight: 10.5 }]), 'canary.steps.0'],
    ['setWeight as a string', canary([{ setWeight: '10' }]), 'canary.steps.0'],
    [
      'decreasing weights',
      canary([{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { setWeight: 20 }]),
      'canary.steps.3.setWeight',
    ],
    ['a step with two fields', canary([{ setWeight: 10, pause: {} }]), 'canary.steps.0'],
    ['an empty step', canary([{ setWeight: 10 }, {}]), 'canary.steps.1'],
    ['a step that is not an object', canary(['setWeight 10']), 'canary.steps.0'],
    ['an unknown step type', canary([{ setWeight: 10 }, { experiment: {} }]), 'canary.steps.1'],
    ['a bad pause duration', canary([{ pause: { duration: '5x' } }]), 'canary.steps.0'],
    ['an unknown pause field', canary([{ pause: { seconds: 5 } }]), 'canary.steps.0'],
    ['zero steps', canary([]), 'canary.steps'],
    ['steps not an array', { ...target, image: 'nginx:1.28', canary: { steps: 'all' } }, 'canary.steps'],
    ['an unknown top-level field', { ...canary([{ setWeight: 10 }]), strategy: 'canary' }, 'strategy'],
    ['an unknown canary field', canary([{ setWeight: 10 }], { maxSurge: 1 }), 'canary.maxSurge'],
    ['a bad namespace name', { ...canary([{ setWeight: 10 }]), namespace: 'Shop_NS' }, 'namespace'],
    ['a bad deployment name', { ...canary([{ setWeight: 10 }]), deployment: 'web.v2!' }, 'deployment'],
    [
      'a missing deployment',
      { cluster: 'sandbox', namespace: 'shop', image: 'nginx:1.28', canary: { steps: [{ setWeight: 10 }] } },
      'deployment',
    ],
    ['a bad cluster name', { ...canary([{ setWeight: 10 }]), cluster: '-sandbox' }, 'cluster'],
    ['trafficRouting alb', canary([{ setWeight: 10 }], { trafficRouting: 'alb' }), 'canary.trafficRouting'],
    ['noData maybe', canary([{ setWeight: 10 }], { analysis: { noData: 'maybe' } }), 'canary.analysis.noData'],
    ['an empty alarm name', canary([{ setWeight: 10 }], { analysis: { alarms: [''] } }), 'canary.analysis.alarms.0'],
    ['an image with a space', { ...canary([{ setWeight: 10 }]), image: 'nginx 1.28' }, 'image'],
    [
      'progressDeadlineSeconds 5',
      { ...canary([{ setWeight: 10 }]), progressDeadlineSeconds: 5 },
      'progressDeadlineSeconds',
    ],
    ['blue-green without activeService', { ...target, image: 'nginx:1.28', blueGreen: {} }, 'blueGreen.activeService'],
    [
      'blue-green scaleDownDelaySeconds -1',
      { ...target, image: 'nginx:1.28', blueGreen: { activeService: 'web', scaleDownDelaySeconds: -1 } },
      'blueGreen.scaleDownDelaySeconds',
    ],
    ['a body that is not an object', 'canary please', 'body'],
  ];

  it.each(cases.map(([what, body, field]) => ({ what, body, field })))(
    '$what → detail on $field',
    ({ body, field }) => {
      // Act
      const error = refusal(body);

      // Assess
      expect(fields(error)).toContain(field);
      expect(error.status).toBe(400);
      expect(error.message).toContain(field);
    },
  );

  it('names the step by its index in the request even when an earlier step is invalid', () => {
    // Prepare: step 1 is bad, step 2 goes down from 50 to 10
    const body = canary([{ setWeight: 50 }, { bogus: true }, { setWeight: 10 }]);

    // Act
    const error = refusal(body);

    // Assess
    expect(fields(error)).toEqual(['canary.steps.1', 'canary.steps.2.setWeight']);
  });

  it('reports every bad step at once', () => {
    // Act
    const error = refusal(canary([{ setWeight: 150 }, { pause: { duration: 'soon' } }, { setWeight: 10 }]));

    // Assess
    expect(fields(error)).toEqual(expect.arrayContaining(['canary.steps.0', 'canary.steps.1']));
  });

  it('says which step type is unknown', () => {
    // Act
    const error = refusal(canary([{ experiment: {} }]));

    // Assess
    expect(error.details[0]?.reason).toContain('experiment');
  });
});

describe('alarmsOf', () => {
  it('returns the guarding alarms and, in all, those of analysis steps too, each once', () => {
    // Prepare
    const request = parseRolloutRequest(
      canary(
        [
          { setWeight: 10 },
          { analysis: { alarms: ['web-latency', 'web-5xx'] } },
          { analysis: {} },
          { analysis: { alarms: ['web-saturation'] } },
        ],
        {
          analysis: { alarms: ['web-5xx'] },
        },
      ),
    );

    // Act
    const alarms = alarmsOf(request);

    // Assess
    expect(alarms.guarding).toEqual(['web-5xx']);
    expect(alarms.all).toEqual(['web-5xx', 'web-latency', 'web-saturation']);
  });

  it('reads the blue-green analysis', () => {
    // Act
    const alarms = alarmsOf(
      parseRolloutRequest({
        ...target,
        image: 'nginx:1.28',
        blueGreen: { activeService: 'web', analysis: { alarms: ['a', 'b'] } },
      }),
    );

    // Assess
    expect(alarms).toEqual({ guarding: ['a', 'b'], all: ['a', 'b'] });
  });

  it('is empty without alarms', () => {
    // Act / Assess
    expect(alarmsOf(parseRolloutRequest(canary([{ setWeight: 10 }])))).toEqual({ guarding: [], all: [] });
  });
});

describe('parseRolloutRequest: bounded sizes (each a 400 naming the field)', () => {
  const nested = (depth: number): Record<string, unknown> => (depth === 1 ? { a: 1 } : { a: nested(depth - 1) });
  const alarms = (n: number, prefix = 'a') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

  it.each<[string, Record<string, unknown>, string]>([
    [
      'podTemplatePatch above its size',
      { ...canary([{ setWeight: 10 }]), podTemplatePatch: { spec: { x: 'y'.repeat(MAX_POD_TEMPLATE_PATCH_BYTES) } } },
      'podTemplatePatch',
    ],
    [
      'podTemplatePatch nested too deep',
      { ...canary([{ setWeight: 10 }]), podTemplatePatch: nested(MAX_POD_TEMPLATE_PATCH_DEPTH + 1) },
      'podTemplatePatch',
    ],
    ['too many steps', canary(Array.from({ length: MAX_CANARY_STEPS + 1 }, () => ({ setWeight: 10 }))), 'canary.steps'],
    [
      'too many guarding alarms',
      canary([{ setWeight: 10 }], { analysis: { alarms: alarms(MAX_ALARMS_PER_LIST + 1) } }),
      'canary.analysis.alarms',
    ],
    [
      'too many alarms in all',
      canary(
        [
          { analysis: { alarms: alarms(MAX_ALARMS_PER_LIST, 'b') } },
          { analysis: { alarms: alarms(MAX_ALARMS_PER_LIST, 'c') } },
        ],
        { analysis: { alarms: alarms(1) } },
      ),
      'canary.analysis.alarms',
    ],
    [
      'alarm name too long',
      canary([{ setWeight: 10 }], { analysis: { alarms: ['x'.repeat(256)] } }),
      'canary.analysis.alarms.0',
    ],
    ['image too long', { ...canary([{ setWeight: 10 }]), image: `nginx:${'1'.repeat(MAX_IMAGE_LENGTH)}` }, 'image'],
    ['pause longer than a week', canary([{ pause: { duration: '169h' } }]), 'canary.steps.0'],
    ['duration string too long', canary([{ pause: { duration: `${'0'.repeat(20)}1s` } }]), 'canary.steps.0'],
    ['namespace not a DNS-1123 label', { ...canary([{ setWeight: 10 }]), namespace: 'x'.repeat(64) }, 'namespace'],
    ['deployment not a DNS-1123 label', { ...canary([{ setWeight: 10 }]), deployment: 'Web_1' }, 'deployment'],
    ['cluster name too long', { ...canary([{ setWeight: 10 }]), cluster: 'c'.repeat(101) }, 'cluster'],
  ])('%s', (_case, body, field) => {
    // Act / Assess
    expect(fields(refusal(body))).toContain(field);
  });

  it('accepts everything at its limit', () => {
    // Prepare
    const patch = { spec: { x: 'y'.repeat(MAX_POD_TEMPLATE_PATCH_BYTES - 20) } };
    const body = {
      ...canary(
        [
          ...Array.from({ length: MAX_CANARY_STEPS - 2 }, () => ({ setWeight: 10 })),
          { pause: { duration: '168h' } },
          { analysis: { alarms: alarms(MAX_ALARMS_PER_LIST, 'b') } },
        ],
        { analysis: { alarms: alarms(MAX_ALARMS_PER_LIST) } },
      ),
      podTemplatePatch: patch,
    };

    // Act
    const parsed = parseRolloutRequest(body);

    // Assess
    expect(parsed.canary?.steps).toHaveLength(MAX_CANARY_STEPS);
    expect(alarmsOf(parsed).all).toHaveLength(MAX_ALARMS_PER_ROLLOUT);
  });

  it('counts depth without recursion, so a very deep value is judged, not a stack overflow', () => {
    // Prepare
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];

    // Act / Assess
    expect(depthOf(deep)).toBeGreaterThan(MAX_POD_TEMPLATE_PATCH_DEPTH);
    expect(depthOf({ a: { b: [1] } })).toBe(3);
  });
});

describe('parsePromoteRequest', () => {
  it.each<[unknown, string | undefined, object]>([
    [{}, undefined, { full: false }],
    [{ full: true }, undefined, { full: true }],
    [{ step: 2 }, 'retry-7', { full: false, step: 2, idempotencyKey: 'retry-7' }],
  ])('%j with key %s → %j', (body, key, expected) => {
    // Act / Assess
    expect(parsePromoteRequest(body, key)).toEqual(expected);
  });

  it.each<[unknown, string | undefined, string]>([
    [{ step: -1 }, undefined, 'step'],
    [{ step: 1.5 }, undefined, 'step'],
    [{ step: '1' }, undefined, 'step'],
    [{ full: 'yes' }, undefined, 'full'],
    [{ steps: 1 }, undefined, 'steps'],
    [{}, '', 'Idempotency-Key'],
    [{}, 'has space', 'Idempotency-Key'],
    [{}, 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1), 'Idempotency-Key'],
  ])('%j with key %s is a 400 naming %s', (body, key, field) => {
    // Act
    const error = (() => {
      try {
        parsePromoteRequest(body, key);
      } catch (e) {
        return e as ValidationError;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(fields(defined(error, 'error'))).toContain(field);
  });
});

describe('parseAbortReason', () => {
  it('defaults an empty reason, and refuses one above its limit naming reason', () => {
    // Act / Assess
    expect(parseAbortReason({})).toBe('aborted by request');
    expect(parseAbortReason({ reason: 'bad canary' })).toBe('bad canary');
    expect(() => parseAbortReason({ reason: 'x'.repeat(MAX_ABORT_REASON_LENGTH + 1) })).toThrow(ValidationError);
  });
});
