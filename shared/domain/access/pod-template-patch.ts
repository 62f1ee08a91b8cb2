/**
 * What a rollout's `podTemplatePatch` may change: the fields a release changes, and nothing that widens what
 * the pods may do on the node (securityContext, volumes, host namespaces, service account, init containers…).
 * Pure rules; the access policy may allow more per namespace (`allowPodFields`) and limit images to registries.
 */
import {
  MANAGED_BY_LABEL,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_LABEL,
  ROLLOUT_LABEL,
  VERSION_LABEL,
} from '../rollout/names';

export interface PatchProblem {
  /** Dotted path as the caller wrote it, e.g. `podTemplatePatch.spec.containers.0.securityContext`. */
  field: string;
  reason: string;
}

export interface PatchAllowance {
  /** Extra pod-template paths, without array indices (`spec.volumes`, `spec.containers.securityContext`). */
  extraFields: readonly string[];
  /**
   * Registry prefix lists, one per granting statement; an image is fine when one list is absent (no limit)
   * or has a prefix of it. An empty array of lists means no limit.
   */
  imageRegistries: readonly (readonly string[] | undefined)[];
}

export const NO_EXTRAS: PatchAllowance = { extraFields: [], imageRegistries: [] };

/** What a release changes in a container; `name` says which container. */
export const CONTAINER_RELEASE_FIELDS: readonly string[] = [
  'name',
  'image',
  'env',
  'args',
  'resources',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
];

/** Labels eksflow writes and selects on: a patch changing them would hijack or break the rollout's selection. */
export const EKSFLOW_OWN_LABELS: readonly string[] = [
  REVISION_LABEL,
  VERSION_LABEL,
  ROLLOUT_LABEL,
  MANAGED_BY_LABEL,
  POD_TEMPLATE_HASH_LABEL,
];
const EKSFLOW_LABEL_PREFIX = 'eksflow.io/';

const ROOT = 'podTemplatePatch';
/** Containers lists whose images the registry limit applies to (the last two only when a statement allows them). */
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem of `patch` (and of the request's `image`), each naming its field; empty means acceptable. */
export function checkPodTemplatePatch(
  patch: Record<string, unknown> | undefined,
  image: string | undefined,
  allowance: PatchAllowance = NO_EXTRAS,
): PatchProblem[] {
  const problems: PatchProblem[] = [];
  const allowedExtra = (path: string[]) => isExtraAllowed(path, allowance.extraFields);
  if (image !== undefined) problems.push(...checkImage('image', image, allowance));
  if (patch === undefined) return problems;
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'metadata') problems.push(...checkMetadata(value, allowedExtra));
    else if (key === 'spec') problems.push(...checkSpec(value, allowance, allowedExtra));
    else if (!allowedExtra([key])) problems.push(notAllowed([ROOT, key]));
  }
  return problems;
}

function checkMetadata(metadata: unknown, allowedExtra: (path: string[]) => boolean): PatchProblem[] {
  if (!isObject(metadata)) return [{ field: `${ROOT}.metadata`, reason: 'must be an object' }];
  const problems: PatchProblem[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (key === 'annotations') continue;
    if (key === 'labels' && isObject(value)) {
      for (const label of Object.keys(value))
        if (isEksflowLabel(label))
          problems.push({
            field: `${ROOT}.metadata.labels.${label}`,
            reason: 'is managed by eksflow and may not be set by a patch',
          });
      continue;
    }
    if (!allowedExtra(['metadata', key])) problems.push(notAllowed([ROOT, 'metadata', key]));
  }
  return problems;
}

function checkSpec(
  spec: unknown,
  allowance: PatchAllowance,
  allowedExtra: (path: string[]) => boolean,
): PatchProblem[] {
  if (!isObject(spec)) return [{ field: `${ROOT}.spec`, reason: 'must be an object' }];
  const problems: PatchProblem[] = [];
  for (const [key, value] of Object.entries(spec)) {
    const isList = CONTAINER_LISTS.includes(key);
    if (key !== 'containers' && !allowedExtra(['spec', key])) {
      problems.push(notAllowed([ROOT, 'spec', key]));
      continue;
    }
    if (!isList) continue;
    if (!Array.isArray(value)) {
      problems.push({ field: `${ROOT}.spec.${key}`, reason: 'must be a list of containers' });
      continue;
    }
    for (const [i, container] of value.entries()) {
      const at = `${ROOT}.spec.${key}.${i}`;
      if (!isObject(container)) {
        problems.push({ field: at, reason: 'must be an object' });
        continue;
      }
      if (typeof container.name !== 'string' || container.name === '')
        problems.push({ field: `${at}.name`, reason: 'is required: it says which container the patch changes' });
      for (const field of Object.keys(container))
        if (!CONTAINER_RELEASE_FIELDS.includes(field) && !allowedExtra(['spec', key, field]))
          problems.push(notAllowed([at, field]));
      if (typeof container.image === 'string') problems.push(...checkImage(`${at}.image`, container.image, allowance));
    }
  }
  return problems;
}

/** `spec.volumes` allows `spec.volumes` and everything under it. */
function isExtraAllowed(path: string[], extraFields: readonly string[]): boolean {
  const dotted = path.join('.');
  return extraFields.some((allowed) => dotted === allowed || dotted.startsWith(`${allowed}.`));
}

function isEksflowLabel(label: string): boolean {
  return EKSFLOW_OWN_LABELS.includes(label) || label.startsWith(EKSFLOW_LABEL_PREFIX);
}

function checkImage(field: string, image: string, allowance: PatchAllowance): PatchProblem[] {
  const lists = allowance.imageRegistries;
  if (lists.length === 0 || lists.some((list) => list === undefined || list.some((p) => image.startsWith(p))))
    return [];
  const prefixes = [...new Set(lists.flatMap((l) => l ?? []))];
  return [{ field, reason: `image must come from ${prefixes.join(' or ')}` }];
}

function notAllowed(path: string[]): PatchProblem {
  return {
    field: path.join('.'),
    reason:
      'a patch may change only container images, env, args, resources and probes, and pod annotations and labels ' +
      '(the access policy may allow more for a namespace with allowPodFields)',
  };
}
