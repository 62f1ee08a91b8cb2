import fc from 'fast-check';
import {
  InvalidImageReference,
  isWithinScope,
  parseImageReference,
  parseRegistryScope,
} from '../../../../../core/access/domain/image-reference';

const SHA = 'a'.repeat(64);

describe('parseImageReference', () => {
  it.each([
    ['nginx', { domain: 'docker.io', path: 'library/nginx' }],
    ['nginx:1.27', { domain: 'docker.io', path: 'library/nginx', tag: '1.27' }],
    ['acme/web:2', { domain: 'docker.io', path: 'acme/web', tag: '2' }],
    ['index.docker.io/nginx', { domain: 'docker.io', path: 'library/nginx' }],
    ['docker.io/nginx', { domain: 'docker.io', path: 'library/nginx' }],
    ['localhost/app', { domain: 'localhost', path: 'app' }],
    ['localhost:5000/team/app:v1', { domain: 'localhost:5000', path: 'team/app', tag: 'v1' }],
    ['Registry.Example.com/team/app', { domain: 'registry.example.com', path: 'team/app' }],
    ['[::1]:5000/app', { domain: '[::1]:5000', path: 'app' }],
    ['localhost:5000', { domain: 'docker.io', path: 'library/localhost', tag: '5000' }],
    [
      `registry.example.com/team/app:2@sha256:${SHA}`,
      { domain: 'registry.example.com', path: 'team/app', tag: '2', digest: `sha256:${SHA}` },
    ],
    ['a.b/c__d/e-f.g_h---i', { domain: 'a.b', path: 'c__d/e-f.g_h---i' }],
  ])('%s', (image, expected) => {
    expect(parseImageReference(image)).toEqual(expected);
  });

  it.each([
    ['', 'is empty'],
    ['Nginx', 'upper case'],
    ['registry.example.com/Team/app', 'upper case'],
    ['nginx:', 'invalid tag'],
    ['nginx:-x', 'invalid tag'],
    [`nginx@sha256:${'a'.repeat(63)}`, '63 hex digits'],
    [`nginx@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    ['nginx@latest', 'invalid digest'],
    ['reg.io:x/app', 'invalid registry port'],
    ['-reg.io/app', 'invalid registry host'],
    ['reg.io/a//b', 'invalid repository path component'],
    ['reg.io/a_/b', 'invalid repository path component'],
    [SHA, '64-hex image id'],
    [`reg.io/${'a'.repeat(300)}`, 'longer than 255'],
    ['x'.repeat(700), 'longer than 600'],
  ])('refuses %j (%s)', (image, message) => {
    expect(() => parseImageReference(image)).toThrow(InvalidImageReference);
    expect(() => parseImageReference(image)).toThrow(message);
  });

  it('refuses a long hostile name in linear time (no backtracking blow-up)', () => {
    // A nested-expression parser takes minutes on this; here it is a handful of string scans.
    const hostile = `docker.io/${'a-'.repeat(250)}!`;
    expect(() => parseImageReference(hostile)).toThrow(InvalidImageReference);
  });

  const component = fc
    .array(fc.stringMatching(/^[a-z0-9]{1,5}$/), { minLength: 1, maxLength: 3 })
    .chain((parts) =>
      fc
        .array(fc.constantFrom('.', '_', '__', '-', '--'), { minLength: parts.length - 1, maxLength: parts.length - 1 })
        .map((seps) => parts.map((p, i) => (i === 0 ? p : `${seps[i - 1]}${p}`)).join('')),
    );
  const host = fc.tuple(
    fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/),
    fc.constantFrom('.com', '.io', '.example.com', ':5000'),
  );

  it('reads back the host, path, tag and digest it was built from (property)', () => {
    fc.assert(
      fc.property(
        host,
        fc.array(component, { minLength: 1, maxLength: 3 }),
        fc.option(fc.stringMatching(/^\w[\w.-]{0,10}$/), { nil: undefined }),
        fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: undefined }),
        ([name, suffix], path, tag, hex) => {
          const domain = `${name}${suffix}`;
          const image = `${domain}/${path.join('/')}${tag ? `:${tag}` : ''}${hex ? `@sha256:${hex}` : ''}`;
          expect(parseImageReference(image)).toEqual({
            domain,
            path: path.join('/'),
            ...(tag ? { tag } : {}),
            ...(hex ? { digest: `sha256:${hex}` } : {}),
          });
        },
      ),
    );
  });

  it('either parses or throws InvalidImageReference, for any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (image) => {
        try {
          const parsed = parseImageReference(image);
          expect(parsed.domain).toBe(parsed.domain.toLowerCase());
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidImageReference);
        }
      }),
    );
  });
});

describe('registry scopes: host exact, path on whole segments', () => {
  const team = parseRegistryScope('registry.example.com/team/');
  const within = (image: string, scope = team) => isWithinScope(parseImageReference(image), scope);

  it.each([
    ['registry.example.com/team/app:2', true],
    ['registry.example.com/team/sub/app:2', true],
    ['REGISTRY.example.com/team/app:2', true],
    ['registry.example.com/team:2', false],
    ['registry.example.com/team-evil/x:1', false],
    ['registry.example.com/teamx/x:1', false],
    ['registry.example.com.evil.io/team/x:1', false],
    ['registry.example.com:443/team/x:1', false],
    ['evil.io/registry.example.com/team/x', false],
    ['team/x', false],
  ])('%s → %s', (image, expected) => {
    expect(within(image)).toBe(expected);
  });

  it('normalises Docker Hub on both sides, so a familiar name cannot slip past', () => {
    const official = parseRegistryScope('docker.io/library/');
    const acme = parseRegistryScope('index.docker.io/acme/');
    expect(within('nginx:1.27', official)).toBe(true);
    expect(within('acme/web', official)).toBe(false);
    expect(within('acme/web', acme)).toBe(true);
    expect(within('acme-evil/x', acme)).toBe(false);
    expect(within('docker.io/acme/web', acme)).toBe(true);
  });

  it.each([
    ['registry.example.com', 'must end with "/"'],
    ['acme/', 'must start with a registry host'],
    ['reg.io/Team/', 'upper case'],
    ['re g.io/', 'invalid registry host'],
  ])('refuses the entry %j', (entry, message) => {
    expect(() => parseRegistryScope(entry)).toThrow(message);
  });

  it('an image under a scope is never from another host (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (image) => {
        let parsed: ReturnType<typeof parseImageReference>;
        try {
          parsed = parseImageReference(image);
        } catch {
          return;
        }
        if (isWithinScope(parsed, team)) expect(parsed.domain).toBe('registry.example.com');
      }),
    );
  });
});
