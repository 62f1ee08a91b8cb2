import { type AccessDeps, requireReadable } from '../../access/authorize';
import { NotFoundError } from '../../kernel/errors';
import { type Operation, runOf } from '../domain/operation';
import { runNames } from '../domain/work';
import type { OperationStore } from '../ports/operation-store';
import type { WorkflowName, WorkflowStarter } from '../ports/workflows';

/** The workflow each operation kind runs: its executions are named by `runName` (operations/domain/work.ts). */
export const WORKFLOW_OF_KIND = {
  ProvisionCluster: 'provision-cluster',
  DeleteCluster: 'delete-cluster',
  ScaleNodegroup: 'scale-nodegroup',
} as const satisfies Record<string, WorkflowName>;

/** `operation <id> not found`: the one answer for an operation that does not exist and one the caller may not read. */
export function operationNotFound(id: string): NotFoundError {
  return new NotFoundError(`operation ${id} not found`, { details: [{ field: 'id', reason: 'no such operation' }] });
}

/**
 * The stored operation, when the caller may read it (a read grant on its cluster); otherwise the same 404 as for an
 * id that does not exist. One GetItem: the cheap check every operation route makes before anything else.
 */
export async function readableOperation(
  deps: AccessDeps & { operations: OperationStore },
  principal: string | undefined,
  id: string,
): Promise<Operation> {
  const operation = await deps.operations.get(id);
  requireReadable(deps, principal, operation && { cluster: operation.cluster }, () => operationNotFound(id));
  return operation as Operation;
}

/**
 * GET /operations/{id}: the record without its internal version counter or workflow input; its cost
 * completed with the state transitions of its workflow runs (from the workflow engine's history). Called
 * only after the caller was allowed to read the record (readableOperation): paging a workflow's history costs.
 */
export async function operationView(
  operation: Operation,
  workflows?: WorkflowStarter,
): Promise<Omit<Operation, 'version' | 'input'>> {
  const { version: _version, input: _input, ...visible } = operation;
  const workflow = (WORKFLOW_OF_KIND as Record<string, WorkflowName>)[operation.kind];
  if (!workflow || !workflows?.transitions) return visible;
  const counts = await Promise.all(
    runNames(operation.id, runOf(operation)).map((name) => workflows.transitions?.(workflow, name)),
  );
  const transitions = counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
  return { ...visible, cost: { invocations: operation.cost?.invocations ?? {}, transitions } };
}
