import type { Context } from 'aws-lambda';
import { CORRELATION_ID, type Logger } from '../core/kernel/logger';

/**
 * The dependencies of one invocation: the cold start's wiring, with a logger whose every line carries the
 * correlation id (the rollout's or the operation's id, so that one query follows it through the API and the
 * workflow's tasks; the alarm handler and the sweep set it per rollout, see forRollout) and Lambda's request id. A copy, not keys appended to the shared
 * logger: the local runtime runs invocations concurrently in one process.
 */
export function forInvocation<D extends { logger: Logger }>(
  c: D,
  correlationId: string | undefined,
  context?: Pick<Context, 'awsRequestId'>,
): D {
  const keys: Record<string, string> = {};
  if (correlationId) keys[CORRELATION_ID] = correlationId;
  // The local runtime calls handlers without a Lambda context (or with an empty one).
  if (context?.awsRequestId) keys.function_request_id = context.awsRequestId;
  return Object.keys(keys).length ? { ...c, logger: c.logger.withKeys(keys) } : c;
}

/** A workflow task's input names the rollout or the operation it works on. */
export function correlationIdOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { rolloutId, operationId } = input as { rolloutId?: unknown; operationId?: unknown };
  if (typeof rolloutId === 'string') return rolloutId;
  return typeof operationId === 'string' ? operationId : undefined;
}
