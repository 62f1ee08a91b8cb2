import fc from 'fast-check';
import { adjustedSizes } from '../../../../../core/scaling/domain/adjustment';
import { clampDesired, requestedSizes } from '../../../../../core/scaling/domain/sizes';

const current = { minSize: 2, maxSize: 10, desiredSize: 4 };

describe('requestedSizes (a person asks: refused outside the bounds)', () => {
  it.each`
    request                                              | to                                              | why
    ${{ kind: 'desired', desiredSize: 7 }}               | ${{ minSize: 2, maxSize: 10, desiredSize: 7 }}  | ${'within bounds'}
    ${{ kind: 'delta', delta: -2 }}                      | ${{ minSize: 2, maxSize: 10, desiredSize: 2 }}  | ${'4 - 2 = 2 = min'}
    ${{ kind: 'desired', desiredSize: 12, maxSize: 12 }} | ${{ minSize: 2, maxSize: 12, desiredSize: 12 }} | ${'new max makes room'}
    ${{ kind: 'bounds', minSize: 6 }}                    | ${{ minSize: 6, maxSize: 10, desiredSize: 6 }}  | ${'raising min pulls desired up'}
    ${{ kind: 'bounds', maxSize: 3 }}                    | ${{ minSize: 2, maxSize: 3, desiredSize: 3 }}   | ${'lowering max pulls desired down'}
    ${{ kind: 'fitPendingPods' }}                        | ${{ minSize: 2, maxSize: 10, desiredSize: 4 }}  | ${'fitting raises it later'}
  `('$why', ({ request, to }) => {
    // Act
    const decision = requestedSizes(current, request);

    // Assess
    expect(decision).toEqual({ ok: true, sizes: to });
  });

  it.each`
    request                                            | field            | reason
    ${{ kind: 'desired', desiredSize: 11 }}            | ${'desiredSize'} | ${'desired size 11 would be above maxSize 10 (current sizes: min 2, desired 4, max 10)'}
    ${{ kind: 'delta', delta: -3 }}                    | ${'delta'}       | ${'desired size 1 would be below minSize 2 (current sizes: min 2, desired 4, max 10)'}
    ${{ kind: 'desired', desiredSize: 5, minSize: 6 }} | ${'desiredSize'} | ${'desired size 5 would be below minSize 6 (current sizes: min 2, desired 4, max 10)'}
    ${{ kind: 'bounds', minSize: 11 }}                 | ${'minSize'}     | ${'minSize 11 is above maxSize 10 (current sizes: min 2, desired 4, max 10)'}
    ${{ kind: 'bounds', maxSize: 1001 }}               | ${'maxSize'}     | ${"maxSize 1001 is above EKS's limit of 1000 (current sizes: min 2, desired 4, max 10)"}
  `('refuses $request naming $field and the current sizes', ({ request, field, reason }) => {
    // Act
    const decision = requestedSizes(current, request);

    // Assess
    expect(decision).toEqual({ ok: false, violation: { field, reason } });
  });
});

describe('adjustedSizes (a policy adjusts: clamped to the bounds)', () => {
  it.each`
    adjustment                                    | desired | why
    ${{ type: 'change', value: 3 }}               | ${7}    | ${'4 + 3'}
    ${{ type: 'change', value: 20 }}              | ${10}   | ${'4 + 20 clamped to max 10'}
    ${{ type: 'change', value: -5 }}              | ${2}    | ${'4 - 5 clamped to min 2'}
    ${{ type: 'percent', value: 50 }}             | ${6}    | ${'4 · 50 % = 2'}
    ${{ type: 'percent', value: 10 }}             | ${5}    | ${'4 · 10 % = 0.4, rounded away from zero → 1'}
    ${{ type: 'percent', value: 10, minStep: 3 }} | ${7}    | ${'0.4 → 1, but at least the minimum step 3'}
    ${{ type: 'percent', value: -25 }}            | ${3}    | ${'4 · 25 % = 1 down'}
    ${{ type: 'percent', value: 0 }}              | ${4}    | ${'0 % changes nothing'}
    ${{ type: 'exact', value: 8 }}                | ${8}    | ${'exactly 8'}
    ${{ type: 'exact', value: 0 }}                | ${2}    | ${'exactly 0 clamped to min 2'}
  `('$adjustment → $desired ($why)', ({ adjustment, desired }) => {
    // Act
    const sizes = adjustedSizes(current, adjustment);

    // Assess
    expect(sizes).toEqual({ ...current, desiredSize: desired });
  });

  it('never leaves the bounds, whatever the adjustment (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        fc.oneof(
          fc.record({ type: fc.constant('change' as const), value: fc.integer({ min: -200, max: 200 }) }),
          fc.record({
            type: fc.constant('percent' as const),
            value: fc.integer({ min: -100, max: 1000 }),
            minStep: fc.integer({ min: 1, max: 20 }),
          }),
          fc.record({ type: fc.constant('exact' as const), value: fc.integer({ min: 0, max: 1000 }) }),
        ),
        (a, b, d, adjustment) => {
          // Prepare
          const sizes = clampDesired({ minSize: Math.min(a, b), maxSize: Math.max(a, b), desiredSize: d }, d);

          // Act
          const next = adjustedSizes(sizes, adjustment);

          // Assess
          expect(next.desiredSize).toBeGreaterThanOrEqual(sizes.minSize);
          expect(next.desiredSize).toBeLessThanOrEqual(sizes.maxSize);
          expect([next.minSize, next.maxSize]).toEqual([sizes.minSize, sizes.maxSize]);
        },
      ),
    );
  });
});
