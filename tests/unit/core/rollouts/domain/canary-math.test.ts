import {
  canarySplit,
  stableReplicasWhileCanaryStarts,
  trafficWeights,
} from '../../../../../core/rollouts/domain/canary-math';

describe('canarySplit', () => {
  it.each`
    total | weight | canary | stable | why
    ${10} | ${10}  | ${1}   | ${9}   | ${'10·10/100 = 1'}
    ${10} | ${50}  | ${5}   | ${5}   | ${'10·50/100 = 5'}
    ${10} | ${0}   | ${0}   | ${10}  | ${'no canary at weight 0'}
    ${10} | ${100} | ${10}  | ${0}   | ${'everything on the canary'}
    ${3}  | ${10}  | ${1}   | ${2}   | ${'3·10/100 = 0.3, ceil → 1 (a canary of 0 tests nothing)'}
    ${1}  | ${50}  | ${1}   | ${0}   | ${'1·50/100 = 0.5, ceil → 1'}
    ${7}  | ${33}  | ${3}   | ${4}   | ${'7·33/100 = 2.31, ceil → 3'}
    ${4}  | ${25}  | ${1}   | ${3}   | ${'4·25/100 = 1 exactly, no rounding up'}
    ${0}  | ${50}  | ${0}   | ${0}   | ${'nothing to split'}
  `('N=$total w=$weight → canary $canary / stable $stable ($why)', ({ total, weight, canary, stable }) => {
    // Act
    const split = canarySplit(total, weight);

    // Assess
    expect(split).toEqual({ canary, stable });
    expect(split.canary + split.stable).toBe(total);
  });

  it.each`
    total  | weight
    ${10}  | ${-1}
    ${10}  | ${101}
    ${10}  | ${NaN}
    ${2.5} | ${10}
    ${-1}  | ${10}
    ${NaN} | ${10}
  `('refuses N=$total w=$weight with a RangeError', ({ total, weight }) => {
    // Act / Assess
    expect(() => canarySplit(total, weight)).toThrow(RangeError);
  });
});

describe('stableReplicasWhileCanaryStarts', () => {
  it.each`
    total | weight | canaryReady | stable | why
    ${10} | ${10}  | ${0}        | ${10}  | ${'canary not Ready: stable keeps all 10'}
    ${10} | ${10}  | ${1}        | ${9}   | ${'canary Ready: stable down to the split, 9'}
    ${10} | ${50}  | ${1}        | ${9}   | ${'1 of 5 Ready: 10 − 1 = 9'}
    ${10} | ${50}  | ${3}        | ${7}   | ${'3 of 5 Ready: 10 − 3 = 7'}
    ${10} | ${50}  | ${5}        | ${5}   | ${'all 5 Ready: the split, 5'}
    ${10} | ${50}  | ${8}        | ${5}   | ${'more Ready than desired counts as desired: 5'}
    ${10} | ${50}  | ${-2}       | ${10}  | ${'a negative count counts as 0'}
    ${3}  | ${100} | ${1}        | ${2}   | ${'3 − 1 = 2'}
  `(
    'N=$total w=$weight with $canaryReady canary Ready → stable $stable ($why)',
    ({ total, weight, canaryReady, stable }) => {
      // Prepare
      const desired = canarySplit(total, weight);

      // Act / Assess
      expect(stableReplicasWhileCanaryStarts(total, desired, canaryReady)).toBe(stable);
    },
  );

  it('never leaves the stable side below N − Ready canary pods, nor below the split, nor above N', () => {
    // Prepare
    const violations: string[] = [];

    // Act
    for (let total = 0; total <= 12; total++) {
      for (let weight = 0; weight <= 100; weight += 5) {
        const desired = canarySplit(total, weight);
        for (let ready = 0; ready <= total + 2; ready++) {
          const stable = stableReplicasWhileCanaryStarts(total, desired, ready);
          const readyCanary = Math.min(ready, desired.canary);
          if (stable + readyCanary < total || stable < desired.stable || stable > total)
            violations.push(`N=${total} w=${weight} ready=${ready} → ${stable}`);
        }
      }
    }

    // Assess
    expect(violations).toEqual([]);
  });
});

describe('trafficWeights', () => {
  it.each`
    canaryReady | stableReady | canary | stable
    ${1}        | ${9}        | ${10}  | ${90}
    ${5}        | ${5}        | ${50}  | ${50}
    ${1}        | ${2}        | ${33}  | ${67}
    ${2}        | ${1}        | ${67}  | ${33}
    ${10}       | ${0}        | ${100} | ${0}
    ${0}        | ${10}       | ${0}   | ${100}
    ${0}        | ${0}        | ${0}   | ${0}
  `(
    '$canaryReady canary + $stableReady stable Ready → $canary% / $stable%',
    ({ canaryReady, stableReady, canary, stable }) => {
      // Act / Assess
      expect(trafficWeights(canaryReady, stableReady)).toEqual({ canary, stable });
    },
  );
});
