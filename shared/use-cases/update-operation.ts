import { operationMetricPoints, type MetricPoint } from '../domain/metrics/metric-points';
import type { Operation } from '../domain/operation';
import type { Metrics } from '../ports/metrics';
import type { OperationStore } from '../ports/store';

/**
 * Every operation write that may end it (provisioning, and any later kind of operation) goes through here,
 * so that "operations by outcome" is counted where the end is stored, and once: `change` may run several
 * times (optimistic locking), and only the run that was stored decides the metric; ending an operation that
 * had ended already changes nothing and counts nothing.
 */
export async function updateOperation(
  deps: { operations: OperationStore; metrics: Metrics },
  operationId: string,
  change: (current: Operation) => Operation,
): Promise<Operation> {
  let points: MetricPoint[] = [];
  const saved = await deps.operations.update(operationId, (current) => {
    const next = change(current);
    points = operationMetricPoints(current, next);
    return next;
  });
  deps.metrics.record(points);
  return saved;
}
