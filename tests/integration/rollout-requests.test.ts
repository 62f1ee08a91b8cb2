import { defined } from '../helpers/defined';
import { type App, createAlarm, createApp, deployment, waitForRollout } from '../helpers/rollout-fixtures';
import { api, startTestRuntime, type TestRuntime } from '../helpers/stack';

describe('POST /rollouts: bad requests and races', () => {
  let runtime: TestRuntime;
  let app: App;
  let alarm: string;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    app = await createApp({ replicas: 2 });
    alarm = await createAlarm('OK');
  });
  afterAll(async () => runtime?.close());

  const valid = () => ({
    cluster: 'sandbox',
    namespace: app.namespace,
    deployment: 'web',
    image: 'nginx:1.28',
    canary: { steps: [{ setWeight: 50 }, { pause: {} }], analysis: { alarms: [alarm] } },
  });

  it.each<[string, (b: any) => any, number, string]>([
    ['unknown Deployment', (b) => ({ ...b, deployment: 'nope' }), 400, 'deployment'],
    ['unknown namespace', (b) => ({ ...b, namespace: 'no-such-ns' }), 400, 'namespace'],
    ['missing strategy', ({ canary: _c, ...b }) => b, 400, 'canary'],
    ['both strategies', (b) => ({ ...b, blueGreen: { activeService: 'web' } }), 400, 'blueGreen'],
    ['weight above 100', (b) => ({ ...b, canary: { steps: [{ setWeight: 150 }] } }), 400, 'canary.steps.0'],
    [
      'decreasing weights',
      (b) => ({ ...b, canary: { steps: [{ setWeight: 50 }, { setWeight: 20 }] } }),
      400,
      'canary.steps.1.setWeight',
    ],
    [
      'bad duration',
      (b) => ({ ...b, canary: { steps: [{ pause: { duration: '5 minutes' } }] } }),
      400,
      'canary.steps.0',
    ],
    ['no steps', (b) => ({ ...b, canary: { steps: [] } }), 400, 'canary.steps'],
    [
      'unknown alarm',
      (b) => ({ ...b, canary: { ...b.canary, analysis: { alarms: ['no-such-alarm'] } } }),
      400,
      'canary.analysis.alarms',
    ],
    [
      'unknown active Service',
      (b) => ({ ...b, canary: undefined, blueGreen: { activeService: 'nope' } }),
      400,
      'blueGreen.activeService',
    ],
    ['unknown field', (b) => ({ ...b, replicas: 3 }), 400, 'replicas'],
    ['unknown container', (b) => ({ ...b, container: 'sidecar' }), 400, 'container'],
  ])('%s → %i naming %s, and nothing changes in the cluster', async (_case, change, status, field) => {
    // Act
    const response = await api(runtime, 'POST', '/rollouts', change(valid()));
    // Assess
    expect(response.status).toBe(status);
    expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await deployment(app.namespace, 'web-canary')).toBeUndefined();
    expect(await deployment(app.namespace, 'web-green')).toBeUndefined();
    expect((await deployment(app.namespace, 'web'))?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');
  });

  it('concurrent starts on one Deployment: exactly one wins, the others get 409 naming it', async () => {
    // Act
    const responses = await Promise.all(Array.from({ length: 5 }, () => api(runtime, 'POST', '/rollouts', valid())));

    // Assess
    const winners = responses.filter((r) => r.status === 202);
    const losers = responses.filter((r) => r.status === 409);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(4);
    for (const loser of losers) expect(loser.body.error.message).toContain(defined(winners[0], 'winners[0]').body.id);
    const listed = await api(runtime, 'GET', `/rollouts?cluster=sandbox&namespace=${app.namespace}&deployment=web`);
    expect(listed.body.rollouts.map((r: { id: string }) => r.id)).toEqual([defined(winners[0], 'winners[0]').body.id]);

    // An aborted rollout cannot be promoted, and frees the Deployment
    await waitForRollout(runtime, defined(winners[0], 'winners[0]').body.id, (r) => r.status === 'Paused');
    expect((await api(runtime, 'POST', `/rollouts/${winners[0]?.body.id}/abort`)).status).toBe(200);
    await waitForRollout(runtime, defined(winners[0], 'winners[0]').body.id, (r) => r.status === 'Aborted');
    const promote = await api(runtime, 'POST', `/rollouts/${defined(winners[0], 'winners[0]').body.id}/promote`);
    expect(promote.status).toBe(409);
    expect(promote.body.error.message).toMatch(/Aborted/);
  });

  it('GET /rollouts needs a cluster; unknown ids are 404', async () => {
    expect((await api(runtime, 'GET', '/rollouts')).body.error.details).toEqual([
      { field: 'cluster', reason: 'is required (query parameter)' },
    ]);
    expect((await api(runtime, 'GET', '/rollouts/does-not-exist')).status).toBe(404);
    expect((await api(runtime, 'POST', '/rollouts/does-not-exist/abort')).status).toBe(404);
  });
});
