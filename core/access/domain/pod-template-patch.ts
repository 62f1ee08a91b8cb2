/**
 * What a rollout's `podTemplatePatch` (and its `image`) may change: the fields a release changes, and nothing
 * that widens what the pods may do on the node or reach beyond their own service (securityContext, volumes,
 * host namespaces, service account, init containers, add-on annotations, other Secrets, unbounded resources…).
 * Pure rules. The access policy's statements may allow more, each on its own: a request is acceptable when ONE
 * granting statement allows all of it; what two statements allow never adds up.
 */
import {
  MANAGED_BY_LABEL,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_LABEL,
  ROLLOUT_LABEL,
  VERSION_LABEL,
} from '../../rollouts/domain/names';
import { anyGlobMatches } from './glob';
import {
  type ImageReference,
  InvalidImageReference,
  isWithinScope,
  parseImageReference,
  parseRegistryScope,
} from './image-reference';
import { compareQuantities, parseQuantity } from './quantity';

export interface PatchProblem {
  /** Dotted path as the caller wrote it, e.g. `podTemplatePatch.spec.containers.0.securityContext`. */
  field: string;
  reason: string;
}

/** The part of an access-policy statement that bounds a patch (README "Access policy"). */
export interface PatchRules {
  sid?: string;
  /** Extra pod-template paths, without array indices (`spec.volumes`, `spec.containers.securityContext`). */
  allowPodFields?: readonly string[];
  /** `host/` or `host/path/` entries: every image must be under one (host exact, path on whole segments). */
  imageRegistries?: readonly string[];
  /** Every image must name a digest (`…@sha256:…`), so what runs is what was reviewed. */
  requireDigest?: boolean;
  /** Glob patterns of pod annotation keys a patch may set, beyond SAFE_ANNOTATIONS. */
  allowAnnotations?: readonly string[];
  /** Glob patterns of pod label keys a patch may set (none by default; eksflow's own are never settable). */
  allowLabels?: readonly string[];
  /** Glob patterns of Secret names env `secretKeyRef` / envFrom `secretRef` may read (none by default). */
  allowSecretRefs?: readonly string[];
  /** Glob patterns of ConfigMap names env `configMapKeyRef` / envFrom `configMapRef` may read (none by default). */
  allowConfigMapRefs?: readonly string[];
  /** Per-container caps on requests and limits (`cpu: "2"`, `nvidia.com/gpu: "1"`), over DEFAULT_MAX_RESOURCES. */
  maxResources?: Readonly<Record<string, string>>;
}

/** The granting statements' rules; a patch must satisfy one of them entirely. */
export type PatchAllowance = readonly PatchRules[];

/** A statement with nothing extra: release fields, safe annotations, default resource caps, any registry. */
export const NO_EXTRAS: PatchAllowance = [{}];

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

/**
 * Annotations any patch may set: `kubectl rollout restart`'s. Everything else is read by some add-on (Istio's
 * proxy image and volumes, kube2iam's role, AppArmor profiles) and must be allowed by a statement.
 */
export const SAFE_ANNOTATIONS: readonly string[] = ['kubectl.kubernetes.io/restartedAt'];

/**
 * Caps when a statement has no `maxResources` entry for a standard resource, per container, for requests and
 * limits alike. Any other resource (`nvidia.com/gpu`, `hugepages-2Mi`) needs a statement's cap.
 */
export const DEFAULT_MAX_RESOURCES: Readonly<Record<string, string>> = {
  cpu: '4',
  memory: '8Gi',
  'ephemeral-storage': '10Gi',
};

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
/** Containers lists whose contents are checked (the last two only when a statement allows them). */
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const LIFECYCLE_HOOKS = ['postStart', 'preStop'];
/** Handlers that connect somewhere: their `host` would send the kubelet to any address (169.254.169.254…). */
const CONNECTING_HANDLERS = ['httpGet', 'tcpSocket'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every problem of `patch` (and of the request's `image`), each naming its field; empty means acceptable.
 * Acceptable when one statement of `allowance` allows all of it; otherwise the problems under the statement
 * that came closest (fewest problems) are returned.
 */
export function checkPodTemplatePatch(
  patch: Record<string, unknown> | undefined,
  image: string | undefined,
  allowance: PatchAllowance = NO_EXTRAS,
): PatchProblem[] {
  let closest: PatchProblem[] | undefined;
  for (const rules of allowance) {
    const problems = new PatchCheck(rules).run(patch, image);
    if (problems.length === 0) return [];
    if (!closest || problems.length < closest.length) closest = problems;
  }
  return closest ?? [{ field: ROOT, reason: 'no access-policy statement allows this request' }];
}

/** One statement's verdict on one request. */
class PatchCheck {
  private readonly problems: PatchProblem[] = [];
  constructor(private readonly rules: PatchRules) {}

  run(patch: Record<string, unknown> | undefined, image: string | undefined): PatchProblem[] {
    if (image !== undefined) this.image('image', image);
    if (patch === undefined) return this.problems;
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'metadata') this.metadata(value);
      else if (key === 'spec') this.spec(value);
      else if (!this.extra([key])) this.notAllowed([ROOT, key]);
    }
    return this.problems;
  }

  private problem(field: string, reason: string): void {
    this.problems.push({ field, reason });
  }

  private extra(path: string[]): boolean {
    const dotted = path.join('.');
    return (this.rules.allowPodFields ?? []).some((a) => dotted === a || dotted.startsWith(`${a}.`));
  }

  private metadata(metadata: unknown) {
    if (!isObject(metadata)) return this.problem(`${ROOT}.metadata`, 'must be an object');
    for (const [key, value] of Object.entries(metadata)) {
      if (key === 'annotations' || key === 'labels') this.metadataKeys(key, value);
      else if (!this.extra(['metadata', key])) this.notAllowed([ROOT, 'metadata', key]);
    }
  }

  private metadataKeys(kind: 'annotations' | 'labels', value: unknown) {
    const at = `${ROOT}.metadata.${kind}`;
    if (!isObject(value)) return this.problem(at, 'must be an object of keys to strings');
    for (const key of Object.keys(value)) {
      const field = `${at}.${key}`;
      if (kind === 'labels' && isEksflowLabel(key))
        this.problem(field, 'is managed by eksflow and may not be set by a patch');
      else if (kind === 'annotations' && !SAFE_ANNOTATIONS.includes(key) && !matches(this.rules.allowAnnotations, key))
        this.problem(field, `annotation ${key} is not allowed: the statement's allowAnnotations must list it`);
      else if (kind === 'labels' && !matches(this.rules.allowLabels, key))
        this.problem(field, `label ${key} is not allowed: the statement's allowLabels must list it`);
    }
  }

  private spec(spec: unknown) {
    if (!isObject(spec)) return this.problem(`${ROOT}.spec`, 'must be an object');
    for (const [key, value] of Object.entries(spec)) {
      if (key !== 'containers' && !this.extra(['spec', key])) {
        this.notAllowed([ROOT, 'spec', key]);
        continue;
      }
      if (!CONTAINER_LISTS.includes(key)) continue;
      if (!Array.isArray(value)) {
        this.problem(`${ROOT}.spec.${key}`, 'must be a list of containers');
        continue;
      }
      for (const [i, container] of value.entries()) this.container(key, `${ROOT}.spec.${key}.${i}`, container);
    }
  }

  private container(list: string, at: string, container: unknown) {
    if (!isObject(container)) return this.problem(at, 'must be an object');
    if (typeof container.name !== 'string' || container.name === '')
      this.problem(`${at}.name`, 'is required: it says which container the patch changes');
    for (const field of Object.keys(container))
      if (!CONTAINER_RELEASE_FIELDS.includes(field) && !this.extra(['spec', list, field])) this.notAllowed([at, field]);
    if ('image' in container) {
      if (typeof container.image === 'string') this.image(`${at}.image`, container.image);
      else this.problem(`${at}.image`, 'must be a string');
    }
    for (const probe of PROBES) this.handlerHosts(`${at}.${probe}`, container[probe]);
    if (isObject(container.lifecycle))
      for (const hook of LIFECYCLE_HOOKS) this.handlerHosts(`${at}.lifecycle.${hook}`, container.lifecycle[hook]);
    if (container.env !== undefined) this.env(`${at}.env`, container.env);
    if (container.envFrom !== undefined) this.envFrom(`${at}.envFrom`, container.envFrom);
    if (container.resources !== undefined) this.resources(`${at}.resources`, container.resources);
  }

  /** A probe or hook reaches the pod itself: a `host` of its own would send the kubelet elsewhere. */
  private handlerHosts(at: string, handler: unknown) {
    if (!isObject(handler)) return;
    for (const kind of CONNECTING_HANDLERS) {
      const target = handler[kind];
      if (isObject(target) && 'host' in target)
        this.problem(`${at}.${kind}.host`, 'may not be set: probes and hooks reach the pod itself, not another host');
    }
  }

  private env(at: string, env: unknown) {
    if (!Array.isArray(env)) return this.problem(at, 'must be a list');
    for (const [i, entry] of env.entries()) {
      if (!isObject(entry) || !isObject(entry.valueFrom)) continue;
      const from = entry.valueFrom;
      if ('secretKeyRef' in from)
        this.reference(`${at}.${i}.valueFrom.secretKeyRef`, from.secretKeyRef, 'Secret', this.rules.allowSecretRefs);
      if ('configMapKeyRef' in from)
        this.reference(
          `${at}.${i}.valueFrom.configMapKeyRef`,
          from.configMapKeyRef,
          'ConfigMap',
          this.rules.allowConfigMapRefs,
        );
    }
  }

  /** envFrom is not a release field; when a statement allows it, its references are bounded as env's are. */
  private envFrom(at: string, envFrom: unknown) {
    if (!Array.isArray(envFrom)) return this.problem(at, 'must be a list');
    for (const [i, entry] of envFrom.entries()) {
      if (!isObject(entry)) continue;
      if ('secretRef' in entry)
        this.reference(`${at}.${i}.secretRef`, entry.secretRef, 'Secret', this.rules.allowSecretRefs);
      if ('configMapRef' in entry)
        this.reference(`${at}.${i}.configMapRef`, entry.configMapRef, 'ConfigMap', this.rules.allowConfigMapRefs);
    }
  }

  private reference(field: string, ref: unknown, kind: string, allowed: readonly string[] | undefined) {
    const name = isObject(ref) && typeof ref.name === 'string' ? ref.name : undefined;
    const list = kind === 'Secret' ? 'allowSecretRefs' : 'allowConfigMapRefs';
    if (name === undefined || name === '') this.problem(field, `must name the ${kind} (name)`);
    else if (!matches(allowed, name))
      this.problem(field, `${kind} ${name} may not be read: the statement's ${list} must list it`);
  }

  private resources(at: string, resources: unknown) {
    if (!isObject(resources)) return this.problem(at, 'must be an object');
    for (const [key, amounts] of Object.entries(resources)) {
      if (key !== 'requests' && key !== 'limits') {
        this.problem(`${at}.${key}`, 'may not be set: a patch may change only requests and limits');
        continue;
      }
      if (!isObject(amounts)) {
        this.problem(`${at}.${key}`, 'must be an object of resource names to quantities');
        continue;
      }
      for (const [resource, amount] of Object.entries(amounts))
        this.amount(`${at}.${key}.${resource}`, resource, amount);
    }
  }

  private amount(field: string, resource: string, amount: unknown) {
    // Own keys only: `constructor` or `__proto__` must not find Object's members as a cap.
    const capText = ownValue(this.rules.maxResources, resource) ?? ownValue(DEFAULT_MAX_RESOURCES, resource);
    if (capText === undefined)
      return this.problem(field, `${resource} may not be requested: the statement's maxResources must cap it`);
    const quantity =
      typeof amount === 'string' || typeof amount === 'number' ? parseQuantity(String(amount)) : undefined;
    if (!quantity) return this.problem(field, 'must be a Kubernetes quantity such as "500m" or "2Gi"');
    const cap = parseQuantity(capText);
    if (quantity.numerator < 0n) return this.problem(field, 'must not be negative');
    if (cap && compareQuantities(quantity, cap) > 0)
      this.problem(field, `${amount} is above the cap of ${capText} ${resource} per container`);
  }

  private image(field: string, image: string) {
    let reference: ImageReference;
    try {
      reference = parseImageReference(image);
    } catch (error) {
      if (!(error instanceof InvalidImageReference)) throw error;
      return this.problem(field, `is not a valid image reference: it ${error.message}`);
    }
    const registries = this.rules.imageRegistries;
    if (registries && !registries.some((entry) => isWithinScope(reference, parseRegistryScope(entry))))
      this.problem(field, `image must come from ${registries.join(' or ')}`);
    else if (this.rules.requireDigest && !reference.digest)
      this.problem(field, 'must name a digest (image@sha256:…): the statement sets requireDigest');
  }

  private notAllowed(path: string[]) {
    this.problem(
      path.join('.'),
      'a patch may change only container images, env, args, resources and probes, and pod annotations and labels ' +
        '(the access policy may allow more for a namespace with allowPodFields)',
    );
  }
}

const ownValue = (record: Readonly<Record<string, string>> | undefined, key: string): string | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

const matches = (patterns: readonly string[] | undefined, value: string) =>
  patterns !== undefined && anyGlobMatches(patterns, value);

function isEksflowLabel(label: string): boolean {
  return EKSFLOW_OWN_LABELS.includes(label) || label.startsWith(EKSFLOW_LABEL_PREFIX);
}
