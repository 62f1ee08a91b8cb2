import { NotFoundError } from '../../kernel/errors';

/** `rollout <id> not found`: the one answer for a rollout that does not exist and for one the caller may not read. */
export function rolloutNotFound(id: string): NotFoundError {
  return new NotFoundError(`rollout ${id} not found`, { details: [{ field: 'id', reason: 'no such rollout' }] });
}
