import type { Container } from '../../core/wiring/container';
import { type ClusterSettings, clusterDepsOf } from '../../core/wiring/deps-of';
import { task } from './task';

/** A workflow task of a cluster operation: counts its invocation on the operation (its cost), then runs. */
export function clusterTask<
  D extends Pick<Container, 'config' | 'operations' | 'logger'>,
  I extends { operationId: string },
  O,
>(name: string, deps: () => D, run: (deps: NoInfer<D> & ClusterSettings, input: I) => Promise<O>) {
  return task(name, deps, async (c: D, input: I) => {
    const clusterDeps = clusterDepsOf(c);
    // Accounting never fails a step: a count lost to an unreachable table is better than a step not run.
    // GET /operations/{id} shows the count as the operation's cost.
    await clusterDeps.operations
      .countInvocation(input.operationId, name)
      .catch((error: unknown) =>
        c.logger.warn('invocation not counted', { task: name, operationId: input.operationId, error }),
      );
    return run(clusterDeps, input);
  });
}
