import type { Operation } from '../domain/operation';
import { NotFoundError } from '../errors';
import type { OperationStore } from '../ports/store';

/** GET /operations/{id}: the record without its internal version counter. */
export async function getOperation(operations: OperationStore, id: string): Promise<Omit<Operation, 'version'>> {
  const operation = await operations.get(id);
  if (!operation)
    throw new NotFoundError(`operation ${id} not found`, { details: [{ field: 'id', reason: 'no such operation' }] });
  const { version: _version, ...visible } = operation;
  return visible;
}
