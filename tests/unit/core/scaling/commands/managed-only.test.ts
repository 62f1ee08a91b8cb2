import type { AccessPolicy } from '../../../../../core/access/domain/policy';
import type { ClusterInfo } from '../../../../../core/clusters/domain/cluster';
import { ForbiddenError, NotFoundError } from '../../../../../core/kernel/errors';
import { createLogger } from '../../../../../core/kernel/logger';
import { requireScalableCluster } from '../../../../../core/scaling/commands/managed-only';

const OPERATOR = 'arn:aws:iam::123456789012:role/operator';
const cluster = (name: string, tags: Record<string, string>): ClusterInfo => ({ name, status: 'ACTIVE', tags });
const CLUSTERS: Record<string, ClusterInfo> = {
  ours: cluster('ours', { 'eksflow:managed': 'true' }),
  theirs: cluster('theirs', {}),
  named: cluster('named', {}),
};

function deps(policy: AccessPolicy) {
  const describeCluster = jest.fn(async (name: string) => CLUSTERS[name]);
  return { clusters: { describeCluster }, accessPolicy: () => policy, logger: createLogger('silent'), describeCluster };
}

const wildcard: AccessPolicy = {
  statements: [{ principals: [OPERATOR], clusters: ['*'], namespaces: ['*'], actions: ['scale'] }],
};
const naming = (clusters: string[], principals = [OPERATOR]): AccessPolicy => ({
  statements: [...wildcard.statements, { sid: 'named', principals, clusters, namespaces: ['*'], actions: ['scale'] }],
});

describe('requireScalableCluster', () => {
  it('allows a cluster tagged eksflow:managed=true', async () => {
    // Act / Assess
    await expect(requireScalableCluster(deps(wildcard), OPERATOR, 'scale', 'ours')).resolves.toBeUndefined();
  });

  it('refuses an untagged cluster reached only by a wildcard, with a 403 naming the action and the cluster', async () => {
    // Act
    const act = requireScalableCluster(deps(wildcard), OPERATOR, 'create schedule', 'theirs');

    // Assess
    await expect(act).rejects.toThrow(ForbiddenError);
    await expect(act).rejects.toThrow(/^create schedule on theirs refused/);
  });

  it('allows an untagged cluster that a statement granting the caller scale names exactly, without describing it', async () => {
    // Prepare
    const d = deps(naming(['named']));

    // Act
    await requireScalableCluster(d, OPERATOR, 'scale', 'named');

    // Assess
    expect(d.describeCluster).not.toHaveBeenCalled();
  });

  it.each([
    ['a pattern', naming(['nam*'])],
    ['another principal', naming(['named'], ['arn:aws:iam::123456789012:role/someone-else'])],
  ])('does not count a statement naming the cluster through %s', async (_case, policy) => {
    // Act / Assess
    await expect(requireScalableCluster(deps(policy), OPERATOR, 'scale', 'named')).rejects.toThrow(ForbiddenError);
  });

  it('answers 404 for a cluster EKS does not know', async () => {
    // Act / Assess
    await expect(requireScalableCluster(deps(wildcard), OPERATOR, 'scale', 'gone')).rejects.toThrow(NotFoundError);
  });
});
