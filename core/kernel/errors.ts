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

export class ValidationError extends EksflowError {
  override readonly name = 'ValidationError';
  readonly status = 400;
  readonly code = 'ValidationError';
  constructor(message: string, details: ErrorDetail[] = []) {
    super(message, { details });
  }
  static forField(field: string, reason: string): ValidationError {
    return new ValidationError(`${field}: ${reason}`, [{ field, reason }]);
  }
}

/** The request is unsigned, or its signature does not check out: the caller is unknown. */
export class UnauthenticatedError extends EksflowError {
  override readonly name = 'UnauthenticatedError';
  readonly status = 401;
  readonly code = 'Unauthenticated';
}

export class NotFoundError extends EksflowError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly code = 'NotFound';
}

export class ConflictError extends EksflowError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  readonly code = 'Conflict';
}

/** The remote said "slow down": safe to retry with backoff. Workflows retry on this name. */
export class ThrottledError extends EksflowError {
  override readonly name = 'ThrottledError';
  readonly status = 503;
  readonly code = 'Throttled';
}

/** A dependency failed in a way that retrying may fix (5xx, connection reset, optimistic-lock clash). */
export class TransientError extends EksflowError {
  override readonly name = 'TransientError';
  readonly status = 503;
  readonly code = 'Transient';
}

/** A dependency refused for good (bad credentials, invalid parameter it alone could judge). */
export class DependencyError extends EksflowError {
  override readonly name = 'DependencyError';
  readonly status = 502;
  readonly code = 'DependencyFailed';
}

/** The emulator (moto) lacks an API that real AWS has; adapters raise this in one marked place. */
export class NotImplementedByEmulatorError extends EksflowError {
  override readonly name = 'NotImplementedByEmulatorError';
  readonly status = 501;
  readonly code = 'NotImplementedByEmulator';
}

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
export class VersionConflictError extends EksflowError {
  override readonly name = 'VersionConflictError';
  readonly status = 409;
  readonly code = 'VersionConflict';
}

/** The caller is known but the access policy does not let it do this here; the message names action and resource. */
export class ForbiddenError extends EksflowError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly code = 'Forbidden';
}

/**
 * A cluster's Kubernetes API refused eksflow's own identity: it has no EKS access entry there (Kubernetes 401), or
 * RBAC does not let it make the call (403). Not the API caller's doing and not transient: the message names the
 * principal and the cluster, and the fix (an access entry, RBAC) is the platform team's.
 */
export class ClusterAccessError extends EksflowError {
  override readonly name = 'ClusterAccessError';
  readonly status = 403;
  readonly code = 'ClusterAccessDenied';
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
export class IdempotencyKeyReusedError extends EksflowError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly status = 422;
  readonly code = 'IdempotencyKeyReused';
}
