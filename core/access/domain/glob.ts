/** Glob with `*` for any run of characters (including none); everything else matches itself. */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}

export const anyGlobMatches = (patterns: readonly string[], value: string): boolean =>
  patterns.some((p) => globMatches(p, value));
