/** Elapsed time as people read it: `45s`, `3m07s`, `1h02m`. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `2026-11-26T01:02:03.456Z` → `01:02:03` (UTC, as the API records it). */
export const clockTime = (iso: string | undefined) => (iso ? iso.slice(11, 19) : '');

/** Columns aligned on the widest cell, a header row in capitals, two spaces between columns. */
export function renderTable(columns: string[], rows: (string | number | undefined)[][]): string {
  const cells = [
    columns.map((c) => c.toUpperCase()),
    ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** A bar of `width` cells, the first `percent` of them full. */
export function bar(percent: number, width: number): string {
  const full = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}
