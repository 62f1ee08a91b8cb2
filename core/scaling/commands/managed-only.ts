import { type AccessPolicy, grantsFor } from '../../access/domain/policy';
import { isManaged, MANAGED_TAG } from '../../clusters/domain/cluster';
import type { ClusterApi } from '../../clusters/ports/cluster-api';
import { ForbiddenError, NotFoundError } from '../../kernel/errors';
import type { Logger } from '../../kernel/logger';

export interface ManagedOnlyDeps {
  clusters: Pick<ClusterApi, 'describeCluster'>;
  accessPolicy: () => AccessPolicy;
  logger: Logger;
}

/** What a scaling route is about to do, as its 403 names it. */
export type ScalingAction = 'scale' | 'create schedule' | 'create policy';

/**
 * Scaling acts only on clusters eksflow manages (tagged `eksflow:managed=true`, as teardown decides), or on a
 * cluster an access-policy statement granting the caller `scale` names exactly: an operator's explicit choice
 * to let eksflow scale a cluster it did not create. A `*` pattern is not such a choice, so a wildcard grant
 * never reaches another team's cluster in the same account. Checked before the node group is read or locked:
 * the policy first (no AWS call), then one DescribeCluster for the tag. Deleting a schedule or policy is not
 * checked, so that what is left on a cluster that lost its tag can still be removed.
 */
export async function requireScalableCluster(
  deps: ManagedOnlyDeps,
  principal: string,
  action: ScalingAction,
  cluster: string,
): Promise<void> {
  const named = grantsFor(deps.accessPolicy(), principal, 'scale', { cluster }).filter((s) =>
    s.clusters.includes(cluster),
  );
  if (named.length) return;
  const info = await deps.clusters.describeCluster(cluster);
  if (!info)
    throw new NotFoundError(`cluster ${cluster} not found`, {
      details: [{ field: 'cluster', reason: 'no such EKS cluster' }],
    });
  if (isManaged(info)) return;
  deps.logger.warn('scaling refused on an unmanaged cluster', { principal, action, cluster });
  throw new ForbiddenError(
    `${action} on ${cluster} refused: eksflow scales only clusters it manages (tag ${MANAGED_TAG}=true) or ` +
      `clusters an access-policy statement granting scale names exactly (not by a wildcard)`,
    { details: [{ field: 'cluster', reason: `is not tagged ${MANAGED_TAG}=true` }] },
  );
}
