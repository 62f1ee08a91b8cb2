/**
 * Whether a policy's resource pattern (`*` and `?` wildcards) can name a resource of a type whose ARN the
 * Service Authorization Reference writes as a template (`arn:${Partition}:eks:${Region}:${Account}:cluster/${ClusterName}`).
 * Both are patterns, so the question is whether they share one string: a search over pairs of positions.
 */

type Token = { kind: 'char'; char: string } | { kind: 'any' } | { kind: 'star' };

/** A policy resource: `*` matches any run of characters, `?` one. */
export function globTokens(pattern: string): Token[] {
  return [...pattern].map(
    (c): Token => (c === '*' ? { kind: 'star' } : c === '?' ? { kind: 'any' } : { kind: 'char', char: c }),
  );
}

/** A reference template: each `${Name}` stands for one or more characters (any: log group names hold `/`). */
export function templateTokens(template: string): Token[] {
  const tokens: Token[] = [];
  for (const part of template.split(/(\$\{[^}]+\})/)) {
    if (/^\$\{[^}]+\}$/.test(part)) tokens.push({ kind: 'any' }, { kind: 'star' });
    else tokens.push(...[...part].map((c): Token => ({ kind: 'char', char: c })));
  }
  return tokens;
}

/** True when some string matches both token lists. */
export function patternsOverlap(a: Token[], b: Token[]): boolean {
  const seen = new Set<string>();
  const queue: Array<[number, number]> = [[0, 0]];
  while (queue.length > 0) {
    const [i, j] = queue.pop() as [number, number];
    const key = `${i},${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    // A star may match nothing.
    if (a[i]?.kind === 'star') queue.push([i + 1, j]);
    if (b[j]?.kind === 'star') queue.push([i, j + 1]);
    // Or both sides take one character: possible unless two different literal characters meet.
    const x = a[i];
    const y = b[j];
    if (!x || !y) continue;
    if (x.kind === 'char' && y.kind === 'char' && x.char !== y.char) continue;
    queue.push([x.kind === 'star' ? i : i + 1, y.kind === 'star' ? j : j + 1]);
  }
  return false;
}

/**
 * AWS matches an ARN's partition, service, region and account each on its own (a `*` there never spans a
 * `:`), and the resource part, the rest, as a whole.
 */
export function resourceMatchesTemplate(resource: string, template: string): boolean {
  const a = arnSegments(resource);
  const b = arnSegments(template);
  if (!a || !b) return false;
  return a.every((segment, i) => {
    const other = b[i];
    return other !== undefined && patternsOverlap(globTokens(segment), templateTokens(other));
  });
}

/** `arn`, partition, service, region, account, resource (which may itself hold `:`). */
function arnSegments(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}
