/** What a workflow Catch puts at `$.error`. */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

/** Lambda puts `{"errorMessage": …}` JSON in Cause; the local engine a plain message. */
export function causeMessage(error: CaughtError | undefined): string {
  if (!error?.Cause) return error?.Error ?? 'unknown error';
  try {
    const parsed = JSON.parse(error.Cause) as { errorMessage?: string };
    return parsed.errorMessage ?? error.Cause;
  } catch {
    return error.Cause;
  }
}
