/**
 * The CLI's failures, each with the exit code a pipeline reads (docs/design.md, "The eksflow CLI"): 1 when the thing
 * waited for did not happen (Aborted, Failed, timeout) or the API refused, 2 on bad usage.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Bad flags or arguments, or a request the API refused as invalid (400): the caller must change the command. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = EXIT_USAGE;
}

export interface ApiErrorDetail {
  field: string;
  reason: string;
}

/** An error answer of the API: `{"error": {"code", "message", "details"}}`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetail[] = [],
  ) {
    super(message);
  }

  /** 400 is bad input the user can fix in the command (exit 2); anything else (403, 404, 409, 5xx) is 1. */
  get exitCode(): number {
    return this.status === 400 ? EXIT_USAGE : EXIT_FAILED;
  }
}

/** What was waited for ended another way (Aborted, Failed) or did not end in time. */
export class OutcomeError extends Error {
  override name = 'OutcomeError';
  readonly exitCode = EXIT_FAILED;
}

/** The one-paragraph message a user sees: the API's message and each field, never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.details.map((d) => `\n  ${d.field}: ${d.reason}`).join('');
    return `error: ${error.message} (${error.status} ${error.code})${fields}`;
  }
  if (error instanceof UsageError || error instanceof OutcomeError) return `error: ${error.message}`;
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  if (cause === 'ECONNREFUSED') return 'error: cannot reach the API: is the sandbox running (npm start)? Or pass --api';
  return `error: ${(error as Error)?.message ?? String(error)}`;
}

export function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown })?.exitCode;
  return typeof code === 'number' ? code : EXIT_FAILED;
}
