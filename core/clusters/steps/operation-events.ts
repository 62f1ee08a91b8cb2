import { type Operation, runOf } from '../../operations/domain/operation';
import type { ClusterDeps } from '../cluster-deps';

export type OperationTransition = 'Started' | 'Succeeded' | 'Failed';

/**
 * A provisioning's or deletion's transition on the bus (source `eksflow`, detail-type `Operation <transition>`),
 * through the one publisher scaling's operations use too. Best effort: the publisher logs a failure and never
 * throws, so the operation's record, not the bus, is the truth. A step that runs twice publishes again with the
 * same `eventId` (one per operation, run and transition), which is what consumers deduplicate on.
 */
export async function publishOperationTransition(
  deps: Pick<ClusterDeps, 'events'>,
  operation: Operation | undefined,
  transition: OperationTransition,
): Promise<void> {
  if (!deps.events || !operation) return;
  const run = runOf(operation);
  await deps.events.publish(`Operation ${transition}`, {
    eventId: `${operation.id}:run-${run}:${transition}`,
    operationId: operation.id,
    kind: operation.kind,
    cluster: operation.cluster,
    status: operation.status,
    run,
    ...(operation.error ? { error: operation.error } : {}),
    ...(operation.rolledBack ? { rolledBack: true } : {}),
  });
}

/** The end the record holds (a repeated end step finds the first outcome kept, and publishes that one). */
export async function publishOperationEnd(deps: Pick<ClusterDeps, 'events'>, operation: Operation): Promise<void> {
  if (operation.status !== 'Running') await publishOperationTransition(deps, operation, operation.status);
}
