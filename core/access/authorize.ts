import { ForbiddenError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import {
  type AccessPolicy,
  type AccessStatement,
  type Action,
  decide,
  describeRequest,
  type Resource,
} from './domain/policy';

export interface AccessDeps {
  accessPolicy: () => AccessPolicy;
  logger: Logger;
}

/** Allows or throws a 403 naming the action and the resource; every decision is logged with the principal. */
export function authorize(
  deps: AccessDeps,
  principal: string | undefined,
  action: Action,
  resource: Resource,
): AccessStatement[] {
  const decision = decide(deps.accessPolicy(), principal, action, resource);
  const fields = { principal: principal ?? null, action, ...resource, reason: decision.reason };
  if (decision.allowed) {
    deps.logger.info('access allowed', { ...fields, decision: 'allow' });
    return decision.grants;
  }
  deps.logger.warn('access denied', { ...fields, decision: 'deny' });
  throw new ForbiddenError(
    `${describePrincipal(principal)} may not ${describeRequest(action, resource)}: ${decision.reason}`,
  );
}

/** Keeps what the caller may read (a list is filtered, not refused); logs one line for the whole list. */
export function readableOnly<T extends Resource>(deps: AccessDeps, principal: string | undefined, items: T[]): T[] {
  const policy = deps.accessPolicy();
  const readable = items.filter((item) => decide(policy, principal, 'read', item).allowed);
  deps.logger.info('access filtered a list', {
    principal: principal ?? null,
    action: 'read',
    decision: 'filter',
    shown: readable.length,
    hidden: items.length - readable.length,
  });
  return readable;
}

function describePrincipal(principal: string | undefined): string {
  return principal ?? 'an unauthenticated caller';
}

/**
 * A record (rollout, operation) the caller may not read is answered exactly as one that does not exist: the
 * same `notFound` error, so a refusal confirms nothing about an id. Logged like any denial.
 */
export function requireReadable(
  deps: AccessDeps,
  principal: string | undefined,
  resource: Resource | undefined,
  notFound: () => Error,
): Resource {
  if (!resource) throw notFound();
  const decision = decide(deps.accessPolicy(), principal, 'read', resource);
  const fields = { principal: principal ?? null, action: 'read', ...resource, reason: decision.reason };
  if (decision.allowed) {
    deps.logger.info('access allowed', { ...fields, decision: 'allow' });
    return resource;
  }
  deps.logger.warn('access denied', { ...fields, decision: 'deny-as-not-found' });
  throw notFound();
}

/** Whether the caller may read `resource` (no log line: the caller decides what a refusal means). */
export function mayRead(deps: AccessDeps, principal: string | undefined, resource: Resource): boolean {
  return decide(deps.accessPolicy(), principal, 'read', resource).allowed;
}
