import fc from 'fast-check';
import { compareQuantities, parseQuantity } from '../../../../../core/access/domain/quantity';

const q = (text: string) => {
  const parsed = parseQuantity(text);
  if (!parsed) throw new Error(`${text} did not parse`);
  return parsed;
};
const cmp = (a: string, b: string) => Math.sign(compareQuantities(q(a), q(b)));

describe('parseQuantity', () => {
  it.each([
    ['100m', '0.1', 0],
    ['1500m', '2', -1],
    ['2', '2000m', 0],
    ['1Gi', '1024Mi', 0],
    ['1G', '1Gi', -1],
    ['0.5Gi', '512Mi', 0],
    ['900Gi', '8Gi', 1],
    ['1e3', '1k', 0],
    ['1E', '1e18', 0],
    ['.5', '500m', 0],
    ['1.', '1', 0],
    ['+1', '1', 0],
  ])('%s vs %s → %d', (a, b, expected) => {
    expect(cmp(a, b)).toBe(expected);
  });

  it.each(['', 'abc', '1Q', '1 Gi', 'Gi', '1gi', '1e', '1.2.3', '1e999', '--1'])('refuses %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  it('orders whole numbers with binary suffixes as their byte counts do (property)', () => {
    const suffix = fc.constantFrom(['', 1], ['Ki', 1024], ['Mi', 1024 ** 2], ['Gi', 1024 ** 3]) as fc.Arbitrary<
      [string, number]
    >;
    fc.assert(
      fc.property(fc.nat(5000), suffix, fc.nat(5000), suffix, (a, [sa, ma], b, [sb, mb]) => {
        expect(Math.sign(compareQuantities(q(`${a}${sa}`), q(`${b}${sb}`)))).toBe(Math.sign(a * ma - b * mb));
      }),
    );
  });
});
