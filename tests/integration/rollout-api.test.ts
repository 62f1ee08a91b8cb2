import { deployment, stackWithApp, waitForRollout } from '../helpers/rollout-fixtures';
import { api, stackFetch } from '../helpers/stack';

/** The HTTP API's guarantees for clients (issue 7 items 9, 11, 14), on the real stack. */
describe('rollout API: bounded requests, pages, idempotent promote, unknown clusters', () => {
  const stack = stackWithApp({ replicas: 4 });

  const canary = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
    cluster: 'sandbox',
    namespace: stack.app.namespace,
    deployment: 'web',
    image: 'nginx:1.28',
    canary: { steps },
    ...extra,
  });

  async function promote(id: string, body: unknown, idempotencyKey?: string) {
    const response = await stackFetch(`${stack.runtime.url}/rollouts/${id}/promote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  const rolloutRuns = (id: string) =>
    stack.runtime.engine.list().filter((e) => e.workflow === 'rollout' && e.name.startsWith(id)).length;

  it.each<[string, string, () => unknown, number?]>([
    // The sandbox, as API Gateway, refuses an oversized body itself, with 413, before reading it whole (issue 16).
    ['a body above 64 KiB', 'body', () => canary([{ setWeight: 10 }], { padding: 'x'.repeat(70 * 1024) }), 413],
    [
      'a podTemplatePatch above 32 KiB',
      'podTemplatePatch',
      () => canary([{ setWeight: 10 }], { podTemplatePatch: { spec: { x: 'y'.repeat(40 * 1024) } } }),
    ],
    ['51 steps', 'canary.steps', () => canary(Array.from({ length: 51 }, () => ({ setWeight: 10 })))],
    ['a pause above a week', 'canary.steps.0', () => canary([{ pause: { duration: '200h' } }])],
    ['an image of 600 characters', 'image', () => canary([{ setWeight: 10 }], { image: `nginx:${'1'.repeat(600)}` })],
  ])('%s → 4xx naming %s, and nothing changes in the cluster', async (_case, field, body, status = 400) => {
    // Act
    const response = await api(stack.runtime, 'POST', '/rollouts', body());

    // Assess
    expect(response.status).toBe(status);
    expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await deployment(stack.app.namespace, 'web-canary')).toBeUndefined();
  });

  it('a rollout on a cluster EKS does not have → 404 naming the cluster, though the sandbox maps every name', async () => {
    // Act
    const response = await api(
      stack.runtime,
      'POST',
      '/rollouts',
      canary([{ setWeight: 10 }], { cluster: 'no-such-cluster' }),
    );

    // Assess
    expect(response.status).toBe(404);
    expect(response.body.error.details).toEqual([
      expect.objectContaining({ field: 'cluster', reason: expect.stringContaining('no-such-cluster') }),
    ]);
    expect(await deployment(stack.app.namespace, 'web-canary')).toBeUndefined();
  });

  it('a promote retried (same step, or same Idempotency-Key) skips exactly one pause', async () => {
    // Prepare: three pauses that wait for a person
    const started = await api(
      stack.runtime,
      'POST',
      '/rollouts',
      canary([{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }, { setWeight: 75 }, { pause: {} }]),
    );
    const id = started.body.id;
    await waitForRollout(stack.runtime, id, (r) => r.status === 'Paused' && r.currentStepIndex === 1);

    // Act: a client promotes step 1, times out, retries; the pass then takes the promote
    const first = await promote(id, { step: 1 });
    const retry = await promote(id, { step: 1 });
    await waitForRollout(stack.runtime, id, (r) => r.status === 'Paused' && r.currentStepIndex === 3);
    const runsAtStep3 = rolloutRuns(id);
    const late = await promote(id, { step: 1 });

    // Assess: one step skipped, the retries changed nothing
    expect([first.status, retry.status, late.status]).toEqual([200, 200, 200]);
    expect(late.body).toMatchObject({ status: 'Paused', currentStepIndex: 3 });
    expect(rolloutRuns(id)).toBe(runsAtStep3);

    // Act: the same with an idempotency key
    const keyed = await promote(id, {}, 'client-req-42');
    await waitForRollout(stack.runtime, id, (r) => r.status === 'Paused' && r.currentStepIndex === 5);
    const runsAtStep5 = rolloutRuns(id);
    const keyedRetry = await promote(id, {}, 'client-req-42');

    // Assess: the retry is answered with the first answer (issue 16: a repeated key returns it) and does nothing
    expect([keyed.status, keyedRetry.status]).toEqual([200, 200]);
    expect(keyedRetry.body).toEqual(keyed.body);
    expect(rolloutRuns(id)).toBe(runsAtStep5);
    expect((await waitForRollout(stack.runtime, id, () => true)).currentStepIndex).toBe(5);
    await api(stack.runtime, 'POST', `/rollouts/${id}/abort`, { reason: 'end of test' });
    await waitForRollout(stack.runtime, id, (r) => r.status === 'Aborted');
  });

  it('GET /rollouts pages with limit and nextToken, leaves histories out, and refuses a forged token', async () => {
    // Prepare: three finished rollouts on the Deployment
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const started = await api(stack.runtime, 'POST', '/rollouts', canary([{ setWeight: 50 }, { pause: {} }]));
      expect(started.status).toBe(202);
      ids.push(started.body.id);
      await waitForRollout(stack.runtime, started.body.id, (r) => r.status === 'Paused');
      await api(stack.runtime, 'POST', `/rollouts/${started.body.id}/abort`, { reason: 'paging test' });
      await waitForRollout(stack.runtime, started.body.id, (r) => r.status === 'Aborted');
    }
    const query = `/rollouts?cluster=sandbox&namespace=${stack.app.namespace}&deployment=web`;

    // Act
    const first = await api(stack.runtime, 'GET', `${query}&limit=2`);
    const second = await api(stack.runtime, 'GET', `${query}&limit=2&nextToken=${first.body.nextToken}`);
    const forged = await api(
      stack.runtime,
      'GET',
      `${query}&limit=2&nextToken=${Buffer.from('{"pk":"ROLLOUT#x"}').toString('base64url')}`,
    );
    const tooMany = await api(stack.runtime, 'GET', `${query}&limit=1000`);

    // Assess
    expect(first.status).toBe(200);
    expect(first.body.rollouts).toHaveLength(2);
    expect(first.body.nextToken).toEqual(expect.any(String));
    expect(first.body.rollouts.every((r: object) => !('history' in r))).toBe(true);
    const listed = [...first.body.rollouts, ...second.body.rollouts].map((r: { id: string }) => r.id);
    expect(listed).toEqual(expect.arrayContaining(ids));
    expect(new Set(listed).size).toBe(listed.length);
    expect(forged.status).toBe(400);
    expect(forged.body.error.details[0].field).toBe('nextToken');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].field).toBe('limit');
  });
});
