import type { Operation } from '../domain/operation';
import { NotFoundError } from '../errors';
import type { OperationStore } from '../ports/store';
import type { WorkflowName, WorkflowStarter } from '../ports/workflows';

/** The workflow each operation kind runs: its executions are `<id>` and, per retry, `<id>-run-<n>`. */
const WORKFLOW_OF_KIND: Record<string, WorkflowName> = {
  ProvisionCluster: 'provision-cluster',
  DeleteCluster: 'delete-cluster',
  ScaleNodegroup: 'scale-nodegroup',
};

/**
 * GET /operations/{id}: the record without its internal version counter or workflow input; its cost
 * completed with the state transitions of its workflow runs (from the workflow engine's history).
 */
export async function getOperation(
  operations: OperationStore,
  id: string,
  workflows?: WorkflowStarter,
): Promise<Omit<Operation, 'version' | 'input'>> {
  const operation = await operations.get(id);
  if (!operation)
    throw new NotFoundError(`operation ${id} not found`, { details: [{ field: 'id', reason: 'no such operation' }] });
  const { version: _version, input: _input, ...visible } = operation;
  const workflow = WORKFLOW_OF_KIND[operation.kind];
  if (!workflow || !workflows?.transitions) return visible;
  const runs = Array.from({ length: operation.runs ?? 1 }, (_, i) => (i === 0 ? id : `${id}-run-${i + 1}`));
  const counts = await Promise.all(runs.map((name) => workflows.transitions?.(workflow, name)));
  const transitions = counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
  return { ...visible, cost: { invocations: operation.cost?.invocations ?? {}, transitions } };
}
