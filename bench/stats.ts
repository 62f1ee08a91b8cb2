// The figures every bench section prints, computed one way so that sections compare.

/** The middle value (the upper one of an even count: always a measured value). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return measured(sorted[Math.floor(sorted.length / 2)]);
}

/** The nearest-rank p-th percentile: the smallest measured value with at least p % of the values at or below it. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return measured(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

/** "median … ms, p95 … ms, worst … ms" of latencies in milliseconds (the median as the 50th percentile). */
export function latencySummary(latencies: number[]): string {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  return `median ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, worst ${ms(Math.max(...latencies))}`;
}

/** A figure of no values is a bench that measured nothing: say so instead of printing NaN. */
function measured(value: number | undefined): number {
  if (value === undefined) throw new RangeError('no values measured');
  return value;
}
