/**
 * Container image references parsed by the distribution reference grammar
 * (github.com/distribution/reference, `reference.go` and `normalize.go`), so that a registry limit compares a
 * host and whole path segments, never a string prefix (`registry.example.com.evil.io/…` and
 * `registry.example.com/team-evil/…` are not under `registry.example.com/team/`).
 *
 *   reference   := name [ ":" tag ] [ "@" digest ]
 *   name        := [domain "/"] path-component ["/" path-component]*
 *   domain      := host [":" port]          host := domain-name | "[" IPv6 "]"
 *   path-component := [a-z0-9]+ ((“.” | “_” | “__” | “-”+) [a-z0-9]+)*
 *   tag         := [\w][\w.-]{0,127}       digest := algorithm ":" hex{32,}
 *
 * Written here rather than taken from npm: the one maintained-looking port (@swimlane/docker-reference 2.0.1)
 * builds one nested regular expression that backtracks exponentially (a 21-character name took 166 s), which
 * a caller's request would turn into a denial of service. This parser splits first and checks each part with
 * a linear expression.
 */

/** A reference after Docker Hub normalisation: `nginx` is `docker.io/library/nginx`. */
export interface ImageReference {
  /** Registry host with its port, lower case (hosts are case-insensitive): `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path: `library/nginx`, `team/app`. */
  path: string;
  tag?: string;
  digest?: string;
}

export class InvalidImageReference extends Error {}

export const DOCKER_HUB = 'docker.io';
const LEGACY_DOCKER_HUB = 'index.docker.io';
const OFFICIAL_REPOSITORIES = 'library';
/** distribution's NameTotalLengthMax, applied to the normalised `domain/path`. */
const NAME_MAX = 255;
/** Longer than any valid reference (255 + tag 128 + a sha512 digest); refused before any expression runs. */
const REFERENCE_MAX = 600;

const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})$/;
/** The algorithms go-digest knows, with their hex lengths; any other is refused as the registry would. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** A bare 64-hex string is an image id, not a name (distribution refuses it as a name too). */
const IMAGE_ID = /^[a-f0-9]{64}$/;

/** Parses `image` as Docker and the kubelet do (familiar names normalised), or throws InvalidImageReference. */
export function parseImageReference(image: string): ImageReference {
  if (image === '') throw new InvalidImageReference('is empty');
  if (image.length > REFERENCE_MAX) throw new InvalidImageReference(`is longer than ${REFERENCE_MAX} characters`);
  const at = image.indexOf('@');
  const named = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? undefined : image.slice(at + 1);
  if (digest !== undefined) checkDigest(digest);
  // The tag is after the last `/`: a `:` before it is a registry port.
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? named : named.slice(0, colon);
  const tag = colon === -1 ? undefined : named.slice(colon + 1);
  if (tag !== undefined && !TAG.test(tag)) throw new InvalidImageReference(`has an invalid tag "${tag}"`);
  if (IMAGE_ID.test(name)) throw new InvalidImageReference('is a 64-hex image id, not a repository name');
  const { domain, path } = splitDomain(name);
  checkDomain(domain);
  checkPath(path);
  if (domain.length + 1 + path.length > NAME_MAX)
    throw new InvalidImageReference(`has a name longer than ${NAME_MAX} characters`);
  return { domain: domain.toLowerCase(), path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * The first component is a registry when it has a `.` or `:`, is `localhost`, or has upper case (as in
 * distribution's splitDockerDomain); otherwise the name is on Docker Hub, under `library/` when it has one part.
 */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let domain = isDomain ? first : DOCKER_HUB;
  let path = isDomain ? name.slice(slash + 1) : name;
  if (domain.toLowerCase() === LEGACY_DOCKER_HUB) domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `${OFFICIAL_REPOSITORIES}/${path}`;
  return { domain, path };
}

function checkDomain(domain: string): void {
  // The port is after the last `:` outside an IPv6 literal's brackets.
  const close = domain.lastIndexOf(']');
  const colon = domain.indexOf(':', close + 1);
  const host = colon === -1 ? domain : domain.slice(0, colon);
  const port = colon === -1 ? undefined : domain.slice(colon + 1);
  if (port !== undefined && !PORT.test(port)) throw new InvalidImageReference(`has an invalid registry port "${port}"`);
  const valid = IPV6_HOST.test(host) || (host !== '' && host.split('.').every((c) => DOMAIN_COMPONENT.test(c)));
  if (!valid) throw new InvalidImageReference(`has an invalid registry host "${host}"`);
}

function checkPath(path: string): void {
  for (const component of path.split('/')) {
    if (PATH_COMPONENT.test(component)) continue;
    if (PATH_COMPONENT.test(component.toLowerCase()))
      throw new InvalidImageReference('has upper case in its repository name');
    throw new InvalidImageReference(`has an invalid repository path component "${component}"`);
  }
}

function checkDigest(digest: string): void {
  const match = DIGEST.exec(digest);
  if (!match) throw new InvalidImageReference(`has an invalid digest "${digest}"`);
  const [, algorithm = '', hex = ''] = match;
  const expected = Object.hasOwn(DIGEST_HEX_LENGTH, algorithm) ? DIGEST_HEX_LENGTH[algorithm] : undefined;
  if (expected === undefined) throw new InvalidImageReference(`has an unsupported digest algorithm "${algorithm}"`);
  if (hex.length !== expected)
    throw new InvalidImageReference(`has a ${algorithm} digest of ${hex.length} hex digits (needs ${expected})`);
}

/** An `imageRegistries` entry: a host and the path segments every image must lie under (possibly none). */
export interface RegistryScope {
  domain: string;
  segments: string[];
}

/**
 * Parses an `imageRegistries` entry, `host/` or `host/path/`. The host must look like one (a `.`, a `:`, or
 * `localhost`), so that `acme/` is not silently read as Docker Hub; `index.docker.io` is `docker.io`.
 */
export function parseRegistryScope(entry: string): RegistryScope {
  if (!entry.endsWith('/')) throw new InvalidImageReference('must end with "/" (host/ or host/path/)');
  const [host = '', ...segments] = entry.slice(0, -1).split('/');
  if (!(/[.:]/.test(host) || host === 'localhost'))
    throw new InvalidImageReference(`must start with a registry host (e.g. docker.io/${entry})`);
  checkDomain(host);
  if (segments.length) checkPath(segments.join('/'));
  const domain = host.toLowerCase() === LEGACY_DOCKER_HUB ? DOCKER_HUB : host.toLowerCase();
  return { domain, segments };
}

/** The host is equal and the scope's segments are a proper prefix of the image's path (it lies under them). */
export function isWithinScope(image: ImageReference, scope: RegistryScope): boolean {
  if (image.domain !== scope.domain) return false;
  const segments = image.path.split('/');
  return segments.length > scope.segments.length && scope.segments.every((s, i) => segments[i] === s);
}
