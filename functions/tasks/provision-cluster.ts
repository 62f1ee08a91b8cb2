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

export const requestControlPlane = clusterTask('requestControlPlane', steps.requestControlPlane);
export const checkControlPlane = clusterTask('checkControlPlane', steps.checkControlPlane);
export const ensureComponent = clusterTask('ensureComponent', steps.ensureComponent);
export const checkComponent = clusterTask('checkComponent', steps.checkComponent);
export const applyAccess = clusterTask('applyAccess', steps.applyAccess);
export const applyBaseline = clusterTask('applyBaseline', steps.applyBaseline);
export const completeProvisioning = clusterTask('completeProvisioning', steps.completeProvisioning);
export const failProvisioning = clusterTask('failProvisioning', steps.recordFailure);
export const rollBack = clusterTask('rollBack', steps.rollbackStep);
export const finishFailed = clusterTask('finishFailed', steps.finishFailed);
