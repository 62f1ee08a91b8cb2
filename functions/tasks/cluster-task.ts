import { clusterDepsOf, type Container } from '../../core/composition-root';
import type { ClusterDeps } from '../../core/clusters/cluster-deps';
import * as steps from '../../core/clusters/steps/provision-cluster-steps';
import { task } from './task';

/** A workflow task of a cluster operation: counts its invocation on the operation (its cost), then runs. */
export function clusterTask<I extends { operationId: string }, O>(
  name: string,
  run: (deps: ClusterDeps, input: I) => Promise<O>,
) {
  return task(name, async (c: Container, input: I) => {
    const deps = clusterDepsOf(c);
    // Accounting never fails a step: a count lost to an unreachable table is better than a step not run.
    await steps
      .countInvocation(deps, input.operationId, name)
      .catch((error: unknown) =>
        c.logger.warn('invocation not counted', { task: name, operationId: input.operationId, error }),
      );
    return run(deps, input);
  });
}
