import { openApiDocument } from '../../functions/api/openapi';
import { SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { createNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import { type App, createAlarm, createApp, waitForRollout } from '../helpers/rollout-fixtures';
import { api, apiAs, startTestRuntime, type TestRuntime } from '../helpers/stack';

type Json = Record<string, any>;
const doc = openApiDocument() as Json;

/** The operation the document gives for a route key. */
function operation(route: string): Json {
  const [method, path] = route.split(' ') as [string, string];
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`the document has no ${route}`);
  return op;
}

/** The status the document promises for the route's example: its `x-example-status`, else its success answer. */
function expectedStatus(op: Json): number {
  return op['x-example-status'] ?? Number(Object.keys(op.responses).find((s) => s.startsWith('2')));
}

/** Deep copy of an example with the documented names replaced by the fixtures' (`prod-1` → `sandbox`, …). */
function substituted<T>(value: T, names: Record<string, string>): T {
  if (value === undefined) return value;
  return JSON.parse(JSON.stringify(value), (_key, v) => (typeof v === 'string' && v in names ? names[v] : v));
}

/**
 * Issue 17 item 5: `GET /openapi.json` answers the document, and each route's own example — path, query and
 * body exactly as documented, with the documented names swapped for this stack's fixtures — gets the answer the
 * document gives for it, on the real stack (sandbox admin, signed).
 */
describe('the OpenAPI document against the sandbox', () => {
  let runtime: TestRuntime;
  let ng: NodegroupFixture;
  let promoted: App;
  let aborted: App;
  let alarm: string;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    [ng, promoted, aborted, alarm] = await Promise.all([
      createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2 }),
      createApp({ replicas: 2 }),
      createApp({ replicas: 2 }),
      createAlarm(),
    ]);
  }, 60000);
  afterAll(async () => runtime?.close());

  /** Sends a route's documented example; `names` maps the document's example names to this stack's. */
  async function sendExample(route: string, names: Record<string, string>) {
    const op = operation(route);
    const [method, template] = route.split(' ') as [string, string];
    const params = substituted(op.parameters as Json[], names);
    const path = template.replace(/\{(\w+)\}/g, (_, name) => params.find((p) => p.name === name)?.example);
    const query = params
      .filter((p) => p.in === 'query' && p.example !== undefined)
      .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.example)}`)
      .join('&');
    const example = op.requestBody?.content['application/json'].example;
    const answer = await api(runtime, method, query ? `${path}?${query}` : path, substituted(example, names));
    return { answer, expected: expectedStatus(op) };
  }

  it('GET /openapi.json answers the document the code generates', async () => {
    // Act
    const response = await api(runtime, 'GET', '/openapi.json');

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual(doc);
  });

  it('GET /openapi.json is signed, and any signed caller may read it (it holds no tenant data)', async () => {
    // Act
    const unsigned = await api(runtime, 'GET', '/openapi.json', undefined, { as: 'unsigned' });
    const restricted = await apiAs(SANDBOX_RESTRICTED.principalArn, runtime, 'GET', '/openapi.json');

    // Assess
    expect(unsigned.status).toBe(401);
    expect(restricted.status).toBe(200);
    expect(restricted.body.openapi).toBe('3.1.0');
  });

  it('every route has an example sent below', () => {
    // Act
    const documented = Object.entries(doc.paths as Json).flatMap(([path, methods]) =>
      Object.keys(methods as Json).map((method) => `${method.toUpperCase()} ${path}`),
    );

    // Assess
    expect(documented.sort()).toEqual([...ROUTES_IN_ORDER].sort());
  });

  /** In an order where each example finds what it names: the node group's work first, then two rollouts. */
  const ROUTES_IN_ORDER = [
    'GET /health',
    'GET /health/deep',
    'GET /openapi.json',
    'POST /clusters',
    'GET /clusters',
    'GET /clusters/{name}',
    'DELETE /clusters/{name}',
    'GET /clusters/{name}/nodegroups',
    'GET /clusters/{name}/nodegroups/{ng}',
    'POST /clusters/{name}/nodegroups/{ng}/scale',
    'GET /operations/{id}',
    'POST /operations/{id}/retry',
    'POST /clusters/{name}/nodegroups/{ng}/schedules',
    'GET /clusters/{name}/nodegroups/{ng}/schedules',
    'DELETE /clusters/{name}/nodegroups/{ng}/schedules/{schedule}',
    'POST /clusters/{name}/nodegroups/{ng}/policies',
    'GET /clusters/{name}/nodegroups/{ng}/policies',
    'DELETE /clusters/{name}/nodegroups/{ng}/policies/{policy}',
    'POST /rollouts',
    'GET /rollouts',
    'GET /rollouts/{id}',
    'GET /rollouts/{id}/live',
    'POST /rollouts/{id}/promote',
    'POST /rollouts/{id}/abort',
    'GET /rollouts/{id}/history',
    'POST /rollouts/{id}/retry',
    'GET /doctor',
  ] as const;

  it('each example gets the answer the document gives for it', async () => {
    // Prepare
    const names: Record<string, string> = {
      'prod-1': 'sandbox',
      general: ng.name,
      'team-a': promoted.namespace,
      'web-cpu-high': alarm,
    };
    const answers: { route: string; status: number; expected: number; body: unknown }[] = [];

    // Act
    for (const route of ROUTES_IN_ORDER) {
      if (route === 'POST /rollouts/{id}/abort') {
        // A promoted rollout has ended: the abort example goes to a second rollout, on a second Deployment.
        const second = await sendExample('POST /rollouts', { ...names, 'team-a': aborted.namespace });
        names['rollout-id'] = second.answer.body.id;
        await waitForRollout(runtime, second.answer.body.id, (r) => r.status === 'Paused');
      }
      const { answer, expected } = await sendExample(route, names);
      answers.push({ route, status: answer.status, expected, body: answer.status >= 400 ? answer.body : undefined });
      if (route === 'POST /clusters/{name}/nodegroups/{ng}/scale') names['operation-id'] = answer.body.operationId;
      // The retry example retries the aborted rollout, once it has gone back to stable.
      if (route === 'POST /rollouts/{id}/abort')
        await waitForRollout(runtime, names['rollout-id'] ?? '', (r) => r.status === 'Aborted');
      if (route === 'POST /rollouts') {
        names['rollout-id'] = answer.body.id;
        await waitForRollout(runtime, answer.body.id, (r) => r.status === 'Paused');
      }
    }

    // Assess
    const unexpected = answers.filter((a) => a.status !== a.expected);
    expect(unexpected).toEqual([]);
  }, 120000);
});
