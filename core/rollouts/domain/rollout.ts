import type {
  AnalysisSpec,
  CanaryStep,
  HistoryEvent,
  HistoryType,
  PodTemplate,
  Rollout,
  RolloutRequest,
} from './types';
import { REVISION_LABEL, strategySpecOf, VERSION_LABEL } from './types';

/** History kept per rollout (the record must stay well under DynamoDB's 400 KB item limit). */
const HISTORY_LIMIT = 200;

export function withHistory(
  rollout: Rollout,
  now: Date,
  type: HistoryType,
  message: string,
  extra: Partial<HistoryEvent> = {},
): Rollout {
  const event: HistoryEvent = { at: now.toISOString(), type, message, ...extra };
  const history = [...rollout.history, event].slice(-HISTORY_LIMIT);
  return { ...rollout, history, updatedAt: event.at };
}

export function analysisOf(rollout: Pick<Rollout, 'request'>): AnalysisSpec {
  return strategySpecOf(rollout.request).analysis;
}

export function stepsOf(rollout: Pick<Rollout, 'request'>): CanaryStep[] {
  return rollout.request.canary?.steps ?? [];
}

export function describeStep(step: CanaryStep | undefined): string {
  if (!step) return 'promotion';
  if ('setWeight' in step) return `setWeight ${step.setWeight}`;
  if ('pause' in step) return step.pause.duration ? `pause ${step.pause.duration}` : 'pause (until promoted)';
  if ('setCanaryScale' in step) return `setCanaryScale ${JSON.stringify(step.setCanaryScale)}`;
  return `analysis${step.analysis.alarms ? ` of ${step.analysis.alarms.join(', ')}` : ''}`;
}

/** Short label-safe revision name derived from the rollout id. */
export function revisionOf(rolloutId: string): string {
  return `r${rolloutId.replace(/-/g, '').slice(0, 10)}`;
}

/**
 * The new version's pod template: the stable one with the new image on the chosen container, the
 * user's merge patch, and the revision label (plus `version` for blue-green, which the Services select on).
 */
export function newPodTemplate(
  stable: PodTemplate,
  request: RolloutRequest,
  revision: string,
  container: string | undefined,
): PodTemplate {
  let template = structuredClone(stable);
  if (request.image) {
    const containers = (template.spec?.containers ?? []).map((c) =>
      c.name === container ? { ...c, image: request.image } : c,
    );
    template = { ...template, spec: { ...template.spec, containers } };
  }
  if (request.podTemplatePatch) template = applyPodTemplatePatch(template, request.podTemplatePatch);
  const labels = {
    ...(template.metadata?.labels ?? {}),
    [REVISION_LABEL]: revision,
    ...(request.blueGreen ? { [VERSION_LABEL]: revision } : {}),
  };
  return { ...template, metadata: { ...template.metadata, labels } };
}

/**
 * A podTemplatePatch is a JSON merge patch, except that `spec.containers` is merged by container name (as
 * `kubectl patch` does): a patch naming only `image` keeps the container's ports, mounts and securityContext
 * instead of replacing the whole list and silently dropping them. A name stable does not have is left out
 * (start-rollout refuses it first).
 */
export function applyPodTemplatePatch(template: PodTemplate, patch: Record<string, unknown>): PodTemplate {
  const spec = patch.spec;
  const patchContainers =
    typeof spec === 'object' && spec !== null && Array.isArray((spec as Record<string, unknown>).containers)
      ? ((spec as Record<string, unknown>).containers as unknown[])
      : undefined;
  if (!patchContainers) return mergePatch(template, patch) as PodTemplate;
  const byName = new Map(
    patchContainers
      .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null && !Array.isArray(c))
      .map((c) => [c.name, c] as const),
  );
  const containers = (template.spec?.containers ?? []).map((c) =>
    byName.has(c.name) ? (mergePatch(c, byName.get(c.name)) as typeof c) : c,
  );
  const { containers: _replaced, ...restOfSpec } = spec as Record<string, unknown>;
  const merged = mergePatch(template, { ...patch, spec: restOfSpec }) as PodTemplate;
  return { ...merged, spec: { ...merged.spec, containers } };
}

/** RFC 7386 JSON merge patch (null deletes a key; arrays are replaced whole). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** True when every key of `selector` is on the pod template's labels with the same value. */
export function selects(selector: Record<string, string>, template: PodTemplate): boolean {
  const labels = template.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ea = Object.entries(a ?? {}).sort();
  const eb = Object.entries(b ?? {}).sort();
  return ea.length === eb.length && ea.every(([k, v], i) => eb[i]?.[0] === k && eb[i]?.[1] === v);
}

/** Deep equality of two JSON documents, whatever the order of their keys (templates as the API returns them). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether a template is the one this rollout wrote (its revision label): only that one is ever reverted. */
export function isOurs(r: Pick<Rollout, 'revision'>, template: PodTemplate): boolean {
  return template.metadata?.labels?.[REVISION_LABEL] === r.revision;
}
