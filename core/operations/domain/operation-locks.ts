import { ConflictError } from '../../kernel/errors';
import type { Operation } from './operation';

/** Whether a write takes or releases the operation's lock: taken while Running, released when it stops. */
export function lockChange(
  before: Operation,
  after: Operation,
): { key: string; take?: true; release?: true } | undefined {
  const key = after.lock ?? before.lock;
  if (!key) return undefined;
  if (before.status !== 'Running' && after.status === 'Running') return { key, take: true };
  if (before.status === 'Running' && after.status !== 'Running') return { key, release: true };
  return undefined;
}

/**
 * The 409 for a lock held by another running operation: names it, so the caller can follow it. A ConflictError
 * (the same name and answer); its `key` and `holder` let an area say it in its own words (scaling's node group).
 */
export class LockHeldError extends ConflictError {
  constructor(
    readonly key: string,
    readonly holder: string,
  ) {
    super(`operation ${holder} is running on ${key}`, {
      details: [{ field: 'operationId', reason: `${holder} is running on ${key}` }],
    });
  }
}

export function lockConflict(key: string, holder: string): LockHeldError {
  return new LockHeldError(key, holder);
}
