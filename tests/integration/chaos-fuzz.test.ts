import fc from 'fast-check';
import { alarmStateChange } from '../helpers/chaos-events';
import { clusterView } from '../helpers/cluster-view';
import { defined } from '../helpers/defined';
import {
  type App,
  canaryRequest,
  createAlarm,
  createApp,
  getRollout,
  PAUSED_AT_HALF,
  waitForRollout,
} from '../helpers/rollout-fixtures';
import { api, eventually, kube, startTestRuntime, type TestRuntime } from '../helpers/stack';

/**
 * fast-check against every API body and every event: whatever arrives, the answer is never a 5xx
 * (anything the caller can fix is a 4xx), and a refused request changes nothing in the cluster.
 * Seeded and bounded so it fits CI; a failure prints the seed and the counterexample to replay.
 */
const SEED = 424242;
/** Stop at the first counterexample: shrinking re-runs requests against a real, now changed, stack. */
const settings = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

/** Any JSON-ish value, and text that is not JSON at all. */
const junk = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 }),
);
/**
 * A field of a near-valid body: mostly the valid value, else junk or left out (undefined is dropped by
 * JSON). Biased to valid so that whole bodies often get past the parser to the checks behind it.
 */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 1, arbitrary: junk },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
const rawText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('{', '{"a":', 'null', '[]', '"x"', '1e999', '{"__proto__": {"x": 1}}', '\u0000'),
);

describe('chaos: fuzzing the API and the events', () => {
  let runtime: TestRuntime;
  let app: App;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    app = await createApp({ replicas: 2, previewService: true });
  });
  afterAll(async () => runtime?.close());

  /** Everything a request could change: namespaces, and the app's Deployments and Services. */
  async function snapshot() {
    // Namespaces an earlier test file deleted may still be going (the namespace controller finishes them later):
    // only the ones that stay count.
    const namespaces = (await kube().core.listNamespace()).items
      .filter((n) => !n.metadata?.deletionTimestamp)
      .map((n) => defined(n.metadata?.name, 'n.metadata.name'))
      .sort();
    const { apps, core } = kube();
    const [deployments, services] = await Promise.all([
      apps.listNamespacedDeployment({ namespace: app.namespace }),
      core.listNamespacedService({ namespace: app.namespace }),
    ]);
    return {
      namespaces,
      deployments: deployments.items.map((d) => ({ name: d.metadata?.name, spec: d.spec })),
      services: services.items.map((s) => ({ name: s.metadata?.name, selector: s.spec?.selector })),
    };
  }

  /** Undoes an accepted rollout (the fuzz found a valid body) so the next run starts from a known cluster. */
  async function undo(id: string) {
    await api(runtime, 'POST', `/rollouts/${id}/abort`, { reason: 'fuzz found a valid body' });
    await waitForRollout(runtime, id, (r) => r.status !== 'Progressing' && r.status !== 'Paused');
    await eventually('only web left', async () =>
      Object.keys((await clusterView(app.namespace)).deployments).length === 1 ? true : undefined,
    );
  }

  it('POST /rollouts: never a 5xx; a refused body changes nothing', async () => {
    const canary = fc.record({
      steps: field(
        fc.array(
          fc.oneof(
            fc.record({ setWeight: fc.oneof(fc.integer({ min: -10, max: 200 }), junk) }),
            fc.record({ pause: fc.oneof(fc.record({ duration: fc.oneof(fc.constantFrom('1s', '5m'), junk) }), junk) }),
            junk,
          ),
          { maxLength: 4 },
        ),
      ),
      analysis: field(fc.record({ alarms: field(fc.array(fc.string(), { maxLength: 3 })) })),
    });
    const blueGreen = fc.record({
      activeService: field(fc.constantFrom('web', 'missing')),
      previewService: field(fc.constant('web-preview')),
      autoPromotionSeconds: field(fc.integer({ min: -5, max: 10 })),
      scaleDownDelaySeconds: field(fc.integer({ min: -5, max: 10 })),
    });
    const body = fc.record({
      cluster: field(fc.constantFrom('sandbox', 'no-such-cluster')),
      namespace: field(fc.constant(app.namespace)),
      deployment: field(fc.constantFrom('web', 'missing')),
      image: field(fc.constantFrom('nginx:1.28', '', 'UPPER CASE')),
      podTemplatePatch: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, junk, fc.record({ spec: junk })),
      canary: field(canary),
      blueGreen: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, blueGreen),
    });
    // A valid request with one thing wrong: gets past the parser to the checks that look at the cluster.
    const valid = {
      cluster: 'sandbox',
      namespace: app.namespace,
      deployment: 'web',
      image: 'nginx:1.28',
      canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
    };
    const oneOff = fc
      .record({
        key: fc.constantFrom(...Object.keys(valid)),
        value: fc.oneof(junk, fc.constant(undefined), fc.constantFrom('missing', 'no-such-cluster', 'web-canary')),
      })
      .map(({ key, value }) => ({ ...valid, [key]: value }));
    let baseline = await snapshot();
    let accepted = 0;
    const seen = new Set<number>();

    await fc.assert(
      fc.asyncProperty(fc.oneof(body, { weight: 2, arbitrary: oneOff }, junk, rawText), async (input) => {
        // Act
        const answer = await api(runtime, 'POST', '/rollouts', input);
        seen.add(answer.status);

        // Assess
        expect(answer.status).toBeLessThan(500);
        if (answer.status === 202) {
          accepted++;
          await undo(answer.body.id);
          baseline = await snapshot();
        } else {
          expect(answer.body.error.code).toEqual(expect.any(String));
          expect(await snapshot()).toEqual(baseline);
        }
      }),
      settings(80),
    );
    // Some bodies got past the parser (another answer than 400), so the checks behind it were fuzzed too.
    expect([...seen].filter((status) => status !== 400).length).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(80);
  }, 150000);

  it('POST /rollouts/{id}/promote and /abort: never a 5xx; refused bodies and unknown ids change nothing', async () => {
    // Prepare: a real rollout waiting for a person
    const started = await api(runtime, 'POST', '/rollouts', canaryRequest(app));
    const id = started.body.id as string;
    const paused = await waitForRollout(runtime, id, (r) => r.status === 'Paused');
    const baseline = await snapshot();
    // Bodies no promote or abort may accept: JSON that is not an object, or text that is not JSON.
    const notAnObject = fc.oneof(
      fc.json({ maxDepth: 2 }).filter((t) => {
        const v = JSON.parse(t);
        return typeof v !== 'object' || v === null || Array.isArray(v);
      }),
      rawText.filter((t) => t.trim() !== '' && !isJsonObject(t)),
    );
    const target = fc.oneof(
      fc.record({ id: fc.constant(id), body: notAnObject }),
      fc.record({ id: fc.constant(id), body: fc.record({ full: junk.filter((v) => typeof v !== 'boolean') }) }),
      fc.record({ id: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 30 })), body: fc.oneof(junk, rawText) }),
    );

    await fc.assert(
      fc.asyncProperty(target, fc.constantFrom('promote', 'abort'), async ({ id: rolloutId, body }, action) => {
        // Skip what is valid for abort: any object (its fields are optional).
        fc.pre(!(action === 'abort' && rolloutId === id && typeof body === 'object' && body !== null));

        // Act
        const answer = await api(runtime, 'POST', `/rollouts/${encodeURIComponent(rolloutId)}/${action}`, body);

        // Assess
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(await snapshot()).toEqual(baseline);
      }),
      settings(80),
    );
    const after = await getRollout(runtime, id);
    expect({ status: after.status, step: after.currentStepIndex }).toEqual({
      status: paused.status,
      step: paused.currentStepIndex,
    });
    await undo(id);
  }, 150000);

  it('POST /clusters: never a 5xx; junk is refused and a dry run changes nothing', async () => {
    const nodegroup = fc.record({
      name: field(fc.constantFrom('general', 'BAD NAME')),
      instanceTypes: field(fc.constant(['m6i.large'])),
      minSize: field(fc.integer({ min: -1, max: 3 })),
      maxSize: field(fc.integer({ min: -1, max: 3 })),
      desiredSize: field(fc.integer({ min: -1, max: 3 })),
      taints: field(fc.array(fc.record({ key: field(fc.string()), effect: field(fc.string()) }), { maxLength: 2 })),
    });
    const spec = fc.record({
      name: field(fc.constantFrom('fuzz-1', 'Fuzz_Bad', '')),
      version: field(fc.constantFrom('1.33', '9.99')),
      subnetIds: field(fc.array(fc.string(), { maxLength: 3 })),
      nodegroups: field(fc.array(nodegroup, { maxLength: 2 })),
      addons: field(fc.array(fc.record({ name: field(fc.string()) }), { maxLength: 2 })),
      namespaces: field(fc.array(fc.record({ name: field(fc.string()), quota: field(junk) }), { maxLength: 2 })),
      onFailure: field(fc.constantFrom('rollback', 'keep', 'explode')),
    });
    const baseline = await snapshot();

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ path: fc.constant('/clusters?dryRun=true'), body: fc.oneof(spec, junk, rawText) }),
          // Not a dry run: only bodies that cannot be a cluster spec (objects are left to the dry run).
          fc.record({ path: fc.constant('/clusters'), body: fc.oneof(rawText, fc.integer(), fc.array(junk)) }),
        ),
        async ({ path, body }) => {
          fc.pre(!(path === '/clusters' && typeof body === 'string' && isJsonObject(body)));

          // Act
          const answer = await api(runtime, 'POST', path, body);

          // Assess
          expect(answer.status).toBeLessThan(500);
          if (path === '/clusters') expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(await snapshot()).toEqual(baseline);
        },
      ),
      settings(80),
    );
  }, 150000);

  it('POST /_local/events: never a 5xx, and no event that is not a real state change acts on a rollout', async () => {
    // Prepare: a rollout guarded by an alarm that is OK (so no ALARM event about it is true)
    const alarm = await createAlarm('OK');
    const started = await api(
      runtime,
      'POST',
      '/rollouts',
      canaryRequest(app, PAUSED_AT_HALF, { analysis: { alarms: [alarm] } }),
    );
    const id = started.body.id as string;
    await waitForRollout(runtime, id, (r) => r.status === 'Paused');
    const baseline = await snapshot();
    const state = fc.oneof(fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA'), junk);
    const nearAlarm = fc
      .record({
        name: fc.oneof(fc.constant(alarm), fc.string({ maxLength: 20 })),
        value: state,
        previous: state,
        detailType: fc.oneof(
          { weight: 3, arbitrary: fc.constant('CloudWatch Alarm State Change') },
          { weight: 1, arbitrary: fc.constant('Something Else') },
        ),
        source: fc.oneof(
          { weight: 3, arbitrary: fc.constant('aws.cloudwatch') },
          { weight: 1, arbitrary: fc.constantFrom('aws.events', 'eksflow') },
        ),
        timestamp: fc.oneof(fc.constant(undefined), fc.constantFrom('2001-01-01T00:00:00Z', 'yesterday'), junk),
      })
      .map(({ name, value, previous, detailType, source, timestamp }) => {
        const event = alarmStateChange(name, 'ALARM') as any;
        event.detail.state = { ...event.detail.state, value, timestamp };
        event.detail.previousState = { ...event.detail.previousState, value: previous };
        return { ...event, 'detail-type': detailType, source };
      });
    // The real change's event, replayed or late: the alarm is OK now (item 8: it must change nothing).
    const staleAlarm = fc.constantFrom('1999-12-31T23:59:59.000+0000', undefined, 'now').map((timestamp) => {
      const event = alarmStateChange(alarm, 'ALARM') as any;
      if (timestamp !== 'now') event.detail.state.timestamp = timestamp;
      return event;
    });
    const scheduled = fc.record({
      'detail-type': fc.constant('Scheduled Event'),
      source: fc.constant('aws.events'),
      detail: junk,
    });

    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: nearAlarm }, staleAlarm, scheduled, junk, rawText),
        async (event) => {
          // Act
          const answer = await api(runtime, 'POST', '/_local/events', event);

          // Assess
          expect(answer.status).toBeLessThan(500);
          expect(await snapshot()).toEqual(baseline);
          expect((await getRollout(runtime, id)).status).toBe('Paused');
        },
      ),
      settings(100),
    );
    await undo(id);
  }, 150000);
});

function isJsonObject(text: string): boolean {
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
