import type { AccessPolicy } from '../../../../../core/access/domain/policy';
import { aesGcmPageTokens } from '../../../../../core/adapters/crypto/page-token';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../../../core/kernel/errors';
import { createLogger } from '../../../../../core/kernel/logger';
import { startRollout } from '../../../../../core/rollouts/commands/start-rollout';
import { listRollouts, type RolloutListDeps, readableRollout } from '../../../../../core/rollouts/queries/get-rollouts';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '../../../../../core/rollouts/requests/rollout-list-query';
import { defined } from '../../../../helpers/defined';
import { CLUSTER, canaryBody, rolloutWorld } from '../../../../helpers/rollout-world';

const ADMIN = 'arn:aws:iam::000000000000:user/admin';
const TEAM = 'arn:aws:iam::000000000000:role/team-developer';
const POLICY: AccessPolicy = {
  statements: [
    { principals: [ADMIN], clusters: ['*'], namespaces: ['*'], actions: ['read'] },
    { principals: [TEAM], clusters: [CLUSTER], namespaces: ['team-*'], actions: ['read'] },
  ],
};

/** Rollouts on Deployment `web` of each namespace (one each), and the list's dependencies around the world's store. */
async function worldWith(namespaces: string[]) {
  const world = rolloutWorld();
  for (const namespace of namespaces) {
    world.workloads.addDeployment(CLUSTER, namespace, 'web', {
      replicas: 2,
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web' }] } },
      selector: { app: 'web' },
    });
    await startRollout(world.deps, canaryBody({ namespace }), world.newId);
  }
  const deps: RolloutListDeps = {
    rollouts: world.rollouts,
    pageTokens: aesGcmPageTokens(Buffer.alloc(32, 7)),
    accessPolicy: () => POLICY,
    logger: createLogger('silent'),
  };
  return { world, deps };
}

/** Every page of a list, following nextToken to the end. */
async function allPages(deps: RolloutListDeps, principal: string, query: Record<string, string>) {
  const pages = [];
  let nextToken: string | undefined;
  do {
    const page = await listRollouts(deps, principal, { ...query, ...(nextToken ? { nextToken } : {}) });
    pages.push(page);
    nextToken = page.nextToken;
  } while (nextToken);
  return pages;
}

describe('listRollouts', () => {
  it('answers one page without histories, and a nextToken that reaches the rest', async () => {
    // Prepare
    const { deps } = await worldWith(['a', 'b', 'c']);

    // Act
    const pages = await allPages(deps, ADMIN, { cluster: CLUSTER, limit: '2' });

    // Assess
    expect(pages.map((p) => p.rollouts.length)).toEqual([2, 1]);
    expect(pages.flatMap((p) => p.rollouts).every((r) => !('history' in r))).toBe(true);
    expect(
      pages
        .flatMap((p) => p.rollouts)
        .map((r) => r.namespace)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it('a token names nothing: it is sealed, and holds no namespace, Deployment or id', async () => {
    // Prepare
    const { deps } = await worldWith(['team-a', 'team-b']);

    // Act
    const page = await listRollouts(deps, TEAM, { cluster: CLUSTER, namespace: 'team-a', limit: '1' });
    const raw = await listRollouts(deps, ADMIN, { cluster: CLUSTER, limit: '1' });

    // Assess
    for (const token of [page.nextToken, raw.nextToken]) {
      const decoded = Buffer.from(token ?? '', 'base64url').toString('latin1');
      expect(decoded).not.toMatch(/team-|web|0000|ROLLOUT|CLUSTER/);
    }
  });

  it('a token works only for the caller and the query it was made for, and not once altered', async () => {
    // Prepare
    const { deps } = await worldWith(['team-a', 'team-b', 'team-c']);
    const query = { cluster: CLUSTER, limit: '1' };
    const { nextToken } = await listRollouts(deps, ADMIN, query);
    const token = nextToken as string;
    const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;

    // Act
    const attempts = await Promise.all([
      listRollouts(deps, TEAM, { ...query, namespace: 'team-a', nextToken: token }).catch((e: unknown) => e),
      listRollouts(deps, ADMIN, { ...query, namespace: 'team-a', nextToken: token }).catch((e: unknown) => e),
      listRollouts(deps, ADMIN, { ...query, nextToken: flipped }).catch((e: unknown) => e),
      listRollouts(deps, ADMIN, { ...query, limit: '5', nextToken: token }),
    ]);

    // Assess: the page size may change; nothing else may
    for (const refused of attempts.slice(0, 3)) {
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as ValidationError).details[0]?.field).toBe('nextToken');
    }
    expect((attempts[3] as { rollouts: unknown[] }).rollouts).toHaveLength(2);
  });

  it('a caller without a cluster-wide read grant must name a namespace, and may name only its own', async () => {
    // Prepare
    const { deps } = await worldWith(['team-a', 'shop2']);

    // Act
    const whole = await listRollouts(deps, TEAM, { cluster: CLUSTER }).catch((e: unknown) => e);
    const other = await listRollouts(deps, TEAM, { cluster: CLUSTER, namespace: 'shop2' }).catch((e: unknown) => e);
    const own = await listRollouts(deps, TEAM, { cluster: CLUSTER, namespace: 'team-a' });

    // Assess
    expect((whole as ValidationError).details).toEqual([expect.objectContaining({ field: 'namespace' })]);
    expect(other).toBeInstanceOf(ForbiddenError);
    expect(own.rollouts.map((r) => r.namespace)).toEqual(['team-a']);
  });

  it('a cluster-wide list leaves out the protected namespaces the grant does not reach, on every page', async () => {
    // Prepare: kube-system sorts between the others
    const { deps } = await worldWith(['alpha', 'kube-system', 'zeta']);

    // Act
    const pages = await allPages(deps, ADMIN, { cluster: CLUSTER, limit: '1' });

    // Assess
    expect(pages.flatMap((p) => p.rollouts).map((r) => r.namespace)).toEqual(['zeta', 'alpha']);
  });

  it.each<[Record<string, string>, string]>([
    [{}, 'cluster'],
    [{ cluster: CLUSTER, deployment: 'web' }, 'namespace'],
    [{ cluster: CLUSTER, limit: '0' }, 'limit'],
    [{ cluster: CLUSTER, limit: String(MAX_LIST_LIMIT + 1) }, 'limit'],
    [{ cluster: CLUSTER, limit: 'ten' }, 'limit'],
    [{ cluster: CLUSTER, nextToken: 'garbage!' }, 'nextToken'],
    [{ cluster: CLUSTER, nextToken: Buffer.from('{"after":"shop/web#x#y"}').toString('base64url') }, 'nextToken'],
    [{ cluster: CLUSTER, sort: 'asc' }, 'sort'],
  ])('%j is a 400 naming %s', async (query, field) => {
    // Prepare
    const { deps } = await worldWith([]);

    // Act
    const error = await listRollouts(deps, ADMIN, query).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.field)).toContain(field);
  });

  it(`pages by ${DEFAULT_LIST_LIMIT} when no limit is given`, async () => {
    // Prepare
    const { deps } = await worldWith([]);
    const list = jest.spyOn(deps.rollouts, 'list');

    // Act
    await listRollouts(deps, ADMIN, { cluster: CLUSTER });

    // Assess
    expect(list).toHaveBeenCalledWith({
      cluster: CLUSTER,
      limit: DEFAULT_LIST_LIMIT,
      hiddenNamespaces: expect.arrayContaining(['kube-system']),
    });
  });
});

describe('readableRollout', () => {
  it('a rollout the caller may not read is the same 404 as one that does not exist', async () => {
    // Prepare
    const { world, deps } = await worldWith(['shop2']);
    const [listed] = (await world.rollouts.list({ cluster: CLUSTER, limit: 1 })).rollouts;
    const id = defined(listed, 'a listed rollout').id;

    // Act
    const hidden = await readableRollout(deps, TEAM, id).catch((e: unknown) => e);
    const missing = await readableRollout(deps, TEAM, 'no-such-id').catch((e: unknown) => e);
    const readable = await readableRollout(deps, ADMIN, id);

    // Assess
    expect(hidden).toBeInstanceOf(NotFoundError);
    expect(JSON.stringify(hidden).replace(id, 'ID')).toBe(JSON.stringify(missing).replace('no-such-id', 'ID'));
    expect((hidden as Error).message.replace(id, 'ID')).toBe((missing as Error).message.replace('no-such-id', 'ID'));
    expect(readable.id).toBe(id);
  });
});
