/**
 * Every error the system raises on purpose. Class names are the `ErrorEquals` names used in the
 * workflows' Retry/Catch, so `name` is set explicitly (it survives bundling and minification).
 */

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `canary.steps.1.setWeight`. */
  field: string;
  reason: string;
}

export abstract class EksflowError extends Error {
  /** HTTP status when this error reaches the API; 5xx means "not the caller's fault". */
  abstract readonly status: number;
  /** Stable machine-readable code for API clients. */
  abstract readonly code: string;
  readonly details: ErrorDetail[];

  constructor(message: string, options: { cause?: unknown; details?: ErrorDetail[] } = {}) {
    super(message, { cause: options.cause });
    this.details = options.details ?? [];
  }
}

/**
 * What each error below adds to EksflowError: its `name` (the class's own, spelled out for the reason above), its
 * HTTP status and its API code, so that an error class is one line.
 */
function errorKind<Name extends string>(name: Name, status: number, code: string) {
  return class extends EksflowError {
    override readonly name: Name = name;
    readonly status = status;
    readonly code = code;
  };
}

export class ValidationError extends errorKind('ValidationError', 400, 'ValidationError') {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(message, { details });
  }
  static forField(field: string, reason: string): ValidationError {
    return new ValidationError(`${field}: ${reason}`, [{ field, reason }]);
  }
}

/** The request is unsigned, or its signature does not check out: the caller is unknown. */
export class UnauthenticatedError extends errorKind('UnauthenticatedError', 401, 'Unauthenticated') {}

export class NotFoundError extends errorKind('NotFoundError', 404, 'NotFound') {}

export class ConflictError extends errorKind('ConflictError', 409, 'Conflict') {}

/** The remote said "slow down": safe to retry with backoff. Workflows retry on this name. */
export class ThrottledError extends errorKind('ThrottledError', 503, 'Throttled') {}

/** A dependency failed in a way that retrying may fix (5xx, connection reset, optimistic-lock clash). */
export class TransientError extends errorKind('TransientError', 503, 'Transient') {}

/** A dependency refused for good (bad credentials, invalid parameter it alone could judge). */
export class DependencyError extends errorKind('DependencyError', 502, 'DependencyFailed') {}

/** The emulator (moto) lacks an API that real AWS has; adapters raise this in one marked place. */
export class NotImplementedByEmulatorError extends errorKind(
  'NotImplementedByEmulatorError',
  501,
  'NotImplementedByEmulator',
) {}

/** The API's error body, everywhere: `{"error": {"code", "message", "details"}}`. */
export function errorBody(code: string, message: string, details: ErrorDetail[] = []) {
  return { error: { code, message, details } };
}

export function errorBodyOf(error: EksflowError) {
  return errorBody(error.code, error.message, error.details);
}

export function isEksflowError(error: unknown): error is EksflowError {
  return error instanceof EksflowError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Someone else wrote the record since we read it: re-read and decide again. */
export class VersionConflictError extends errorKind('VersionConflictError', 409, 'VersionConflict') {}

/** The caller is known but the access policy does not let it do this here; the message names action and resource. */
export class ForbiddenError extends errorKind('ForbiddenError', 403, 'Forbidden') {}

/**
 * A cluster's Kubernetes API refused eksflow's own identity: it has no EKS access entry there (Kubernetes 401), or
 * RBAC does not let it make the call (403). Not the API caller's doing and not transient: the message names the
 * principal and the cluster, and the fix (an access entry, RBAC) is the platform team's.
 */
export class ClusterAccessError extends errorKind('ClusterAccessError', 403, 'ClusterAccessDenied') {
  /** What the cluster's API server answered: 401 (no access entry) or 403 (RBAC). */
  readonly kubernetesStatus: 401 | 403;
  constructor(message: string, options: { kubernetesStatus: 401 | 403; cause?: unknown; details?: ErrorDetail[] }) {
    super(message, options);
    this.kubernetesStatus = options.kubernetesStatus;
  }
}

/**
 * An `Idempotency-Key` already answered a different request of the same caller (another body, route or query):
 * 422, as the IETF Idempotency-Key draft answers it. A key still in progress is a 409 (ConflictError) instead.
 */
export class IdempotencyKeyReusedError extends errorKind('IdempotencyKeyReusedError', 422, 'IdempotencyKeyReused') {}
