import { ValidationError } from '../../../../shared/errors';
import { listRollouts } from '../../../../shared/use-cases/get-rollouts';
import { startRollout } from '../../../../shared/use-cases/start-rollout';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '../../../../shared/validation/rollout-list-query';
import { CLUSTER, canaryBody, NAMESPACE, rolloutWorld } from '../../../helpers/rollout-world';

describe('listRollouts', () => {
  it('answers one page without histories, and a nextToken that reaches the rest', async () => {
    // Prepare
    const world = rolloutWorld();
    for (const deployment of ['a', 'b', 'c']) {
      world.workloads.addDeployment(CLUSTER, NAMESPACE, deployment, {
        replicas: 2,
        template: { metadata: { labels: { app: deployment } }, spec: { containers: [{ name: 'web' }] } },
        selector: { app: deployment },
      });
      await startRollout(world.deps, canaryBody({ deployment }), world.newId);
    }

    // Act
    const first = await listRollouts(world.rollouts, { cluster: CLUSTER, limit: '2' });
    const rest = await listRollouts(world.rollouts, { cluster: CLUSTER, limit: '2', nextToken: first.nextToken });

    // Assess
    expect(first.rollouts).toHaveLength(2);
    expect(first.rollouts.every((r) => !('history' in r))).toBe(true);
    expect(rest.rollouts).toHaveLength(1);
    expect(rest.nextToken).toBeUndefined();
    expect([...first.rollouts, ...rest.rollouts].map((r) => r.deployment).sort()).toEqual(['a', 'b', 'c']);
  });

  it.each<[Record<string, string>, string]>([
    [{}, 'cluster'],
    [{ cluster: CLUSTER, deployment: 'web' }, 'namespace'],
    [{ cluster: CLUSTER, limit: '0' }, 'limit'],
    [{ cluster: CLUSTER, limit: String(MAX_LIST_LIMIT + 1) }, 'limit'],
    [{ cluster: CLUSTER, limit: 'ten' }, 'limit'],
    [{ cluster: CLUSTER, nextToken: 'garbage!' }, 'nextToken'],
    [{ cluster: CLUSTER, sort: 'asc' }, 'sort'],
  ])('%j is a 400 naming %s', async (query, field) => {
    // Act
    const error = await listRollouts(rolloutWorld().rollouts, query).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.field)).toContain(field);
  });

  it(`pages by ${DEFAULT_LIST_LIMIT} when no limit is given`, async () => {
    // Prepare
    const world = rolloutWorld();
    const list = jest.spyOn(world.rollouts, 'list');

    // Act
    await listRollouts(world.rollouts, { cluster: CLUSTER });

    // Assess
    expect(list).toHaveBeenCalledWith({ cluster: CLUSTER, limit: DEFAULT_LIST_LIMIT });
  });
});
