/**
 * Kubernetes resource quantities (`100m`, `1.5`, `2Gi`, `1e3`), as apimachinery's resource.Quantity reads
 * them, held exactly as a fraction of two bigints so that `900Gi` against a `8Gi` cap or `1500m` against `2`
 * compare without rounding. (@kubernetes/client-node's quantityToScalar reads `""` as 0 and refuses `0.5Gi`.)
 */
export interface Quantity {
  numerator: bigint;
  denominator: bigint;
}

/** sign, digits with an optional fraction, then a binary suffix, a decimal suffix, or a decimal exponent. */
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const BINARY: Record<string, bigint> = { Ki: 1n, Mi: 2n, Gi: 3n, Ti: 4n, Pi: 5n, Ei: 6n };
const DECIMAL: Record<string, number> = { m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** apimachinery refuses exponents past this size too (a quantity must fit its int64 scale). */
const MAX_EXPONENT = 30;

/** The quantity `text` stands for, or undefined when it is not one. */
export function parseQuantity(text: string): Quantity | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, sign, number = '', suffix = ''] = match;
  const [whole, fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`) * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  const binaryPower = BINARY[suffix];
  if (binaryPower !== undefined) numerator *= 1024n ** binaryPower;
  else {
    const exponent = DECIMAL[suffix] ?? Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  return { numerator, denominator };
}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}
