/** A node group's scaling configuration, as EKS keeps it. */
export interface NodegroupSizes {
  minSize: number;
  maxSize: number;
  desiredSize: number;
}

/** EKS's own ceiling for a managed node group's maxSize (and so desiredSize). */
export const EKS_MAX_NODEGROUP_SIZE = 1000;

/** What a caller (or a schedule) asks for; exactly one of desiredSize, delta or fitPendingPods. */
export type SizeRequest =
  | { kind: 'desired'; desiredSize: number; minSize?: number; maxSize?: number }
  | { kind: 'delta'; delta: number; minSize?: number; maxSize?: number }
  | { kind: 'bounds'; minSize?: number; maxSize?: number }
  | { kind: 'fitPendingPods'; minSize?: number; maxSize?: number };

/** Why a request does not fit the bounds: the field it names and the current sizes, for the 4xx. */
export interface SizeViolation {
  field: string;
  reason: string;
}

export type SizeDecision = { ok: true; sizes: NodegroupSizes } | { ok: false; violation: SizeViolation };

export function describeSizes(s: NodegroupSizes): string {
  return `min ${s.minSize}, desired ${s.desiredSize}, max ${s.maxSize}`;
}

/**
 * The sizes an explicit request leads to. It is refused (not clamped) when it leaves the bounds: a
 * person asked for that number and should hear why it cannot be, with the current sizes.
 * `fitPendingPods` keeps the desired size here; the pending-pod maths raises it afterwards.
 */
export function requestedSizes(current: NodegroupSizes, request: SizeRequest): SizeDecision {
  const minSize = request.minSize ?? current.minSize;
  const maxSize = request.maxSize ?? current.maxSize;
  const now = `current sizes: ${describeSizes(current)}`;
  if (minSize > maxSize) return refuse('minSize', `minSize ${minSize} is above maxSize ${maxSize} (${now})`);
  if (maxSize > EKS_MAX_NODEGROUP_SIZE)
    return refuse('maxSize', `maxSize ${maxSize} is above EKS's limit of ${EKS_MAX_NODEGROUP_SIZE} (${now})`);
  const field = request.kind === 'delta' ? 'delta' : 'desiredSize';
  let desiredSize: number;
  if (request.kind === 'desired') desiredSize = request.desiredSize;
  else if (request.kind === 'delta') desiredSize = current.desiredSize + request.delta;
  else desiredSize = Math.min(Math.max(current.desiredSize, minSize), maxSize); // new bounds pull it along
  if (desiredSize < minSize)
    return refuse(field, `desired size ${desiredSize} would be below minSize ${minSize} (${now})`);
  if (desiredSize > maxSize)
    return refuse(field, `desired size ${desiredSize} would be above maxSize ${maxSize} (${now})`);
  return { ok: true, sizes: { minSize, maxSize, desiredSize } };
}

/** Keeps a computed desired size (a policy, fitting pods) within the bounds: automation clamps, never refuses. */
export function clampDesired(sizes: NodegroupSizes, desiredSize: number): NodegroupSizes {
  return { ...sizes, desiredSize: Math.min(Math.max(desiredSize, sizes.minSize), sizes.maxSize) };
}

export function sameSizes(a: NodegroupSizes, b: NodegroupSizes): boolean {
  return a.minSize === b.minSize && a.maxSize === b.maxSize && a.desiredSize === b.desiredSize;
}

function refuse(field: string, reason: string): SizeDecision {
  return { ok: false, violation: { field, reason } };
}
