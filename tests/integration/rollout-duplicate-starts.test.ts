import { defined } from '../helpers/defined';
import { canaryRequest, deployment, stackWithApp, waitForRollout } from '../helpers/rollout-fixtures';
import { api } from '../helpers/stack';

/** Concurrent starts on one Deployment: a retrying client, two operators, or a CI job fanned out. */
const CONCURRENT_STARTS = 50;

describe('POST /rollouts: duplicate starts on one Deployment', () => {
  const stack = stackWithApp({ replicas: 2 });

  const start = () => api(stack.runtime, 'POST', '/rollouts', canaryRequest(stack.app));

  it(`${CONCURRENT_STARTS} concurrent starts give exactly one 202; the others are 409 naming it; one rollout is listed`, async () => {
    // Prepare: a Deployment with no rollout (beforeAll)

    // Act
    const responses = await Promise.all(Array.from({ length: CONCURRENT_STARTS }, start));

    // Assess
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(CONCURRENT_STARTS - 1);
    const winner = defined(
      responses.find((r) => r.status === 202),
      'responses.find((r) => r.status === 202)',
    ).body.id as string;
    for (const loser of responses.filter((r) => r.status === 409)) {
      expect(loser.body.error.message).toContain(winner);
    }
    const listed = await api(
      stack.runtime,
      'GET',
      `/rollouts?cluster=sandbox&namespace=${stack.app.namespace}&deployment=${stack.app.name}`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.rollouts.map((r: { id: string }) => r.id)).toEqual([winner]);

    // The winner alone acts on the cluster: one canary, at the first step's weight, then waits for a person.
    const paused = await waitForRollout(stack.runtime, winner, (r) => r.status === 'Paused');
    expect(paused.id).toBe(winner);
    expect((await deployment(stack.app.namespace, `${stack.app.name}-canary`))?.spec?.replicas).toBe(1);
    expect((await api(stack.runtime, 'POST', `/rollouts/${winner}/abort`)).status).toBe(200);
  });
});
