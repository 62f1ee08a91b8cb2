import { operationMetricPoints } from '../metrics/metric-points';
import type { Metrics } from '../metrics/ports/metrics';
import type { Operation } from './domain/operation';
import type { OperationStore } from './ports/operation-store';

/**
 * "Operations by outcome", counted where an operation's end is stored, whoever ends it (provisioning,
 * teardown, scaling): every end is an `update` of the store. Counted once: `change` may run several times
 * (optimistic locking), and only the run whose result was stored decides; an update of an operation that
 * had ended already counts nothing.
 *
 * The store itself, with `update` wrapped (rather than a class that forwards each method), so that methods
 * the port gains later keep working untouched.
 */
export function withOperationMetrics<S extends OperationStore>(store: S, metrics: Metrics): S {
  const update = store.update.bind(store);
  store.update = async (id: string, change: (current: Operation) => Operation): Promise<Operation> => {
    let before: Operation | undefined;
    const saved = await update(id, (current) => {
      before = current;
      return change(current);
    });
    if (before) metrics.record(operationMetricPoints(before, saved));
    return saved;
  };
  return store;
}
