import { UsageError } from '../../../cli/errors';
import {
  clusterCreate,
  clusterDelete,
  nodegroupGet,
  nodegroupScale,
  operationRetry,
  policyAdd,
  policyRemove,
  scheduleAdd,
  scheduleList,
} from '../../../cli/requests/clusters';
import {
  buildRolloutStart,
  isRolloutId,
  parseCanarySteps,
  rolloutList,
  rolloutPromote,
} from '../../../cli/requests/rollouts';

/** Request building of every command, on the docs/openapi.json contract (routes, field names). */
describe('rollout requests', () => {
  it('parses --canary into setWeight, timed and open pauses, analysis', () => {
    expect(parseCanarySteps('10, 30s,50,pause,analysis,5m')).toEqual([
      { setWeight: 10 },
      { pause: { duration: '30s' } },
      { setWeight: 50 },
      { pause: {} },
      { analysis: {} },
      { pause: { duration: '5m' } },
    ]);
  });

  it.each([
    ['10,150', '--canary: weight 150 is above 100'],
    ['10,soon', '--canary: "soon" is not a weight (0-100), a duration (30s, 5m), "pause" or "analysis"'],
    [',', '--canary: give at least one step, e.g. 10,30s,50,pause'],
  ])('refuses --canary %s naming the flag', (spec, message) => {
    expect(() => parseCanarySteps(spec)).toThrow(new UsageError(message));
  });

  it('builds a canary start with the sandbox defaults and the alarms', () => {
    expect(
      buildRolloutStart({ deployment: 'web', image: 'nginx:2', canary: '10,pause', alarm: ['a', 'b'], noData: 'pass' }),
    ).toEqual({
      method: 'POST',
      path: '/rollouts',
      body: {
        cluster: 'sandbox',
        namespace: 'default',
        deployment: 'web',
        image: 'nginx:2',
        canary: {
          trafficRouting: 'replicas',
          steps: [{ setWeight: 10 }, { pause: {} }],
          analysis: { alarms: ['a', 'b'], noData: 'pass' },
        },
      },
    });
  });

  it('builds a blue-green start', () => {
    expect(
      buildRolloutStart({
        deployment: 'web',
        cluster: 'prod-1',
        namespace: 'team-a',
        image: 'nginx:2',
        blueGreen: 'web',
        previewService: 'web-preview',
        autoPromoteSeconds: 300,
        scaleDownDelaySeconds: 30,
        progressDeadlineSeconds: 120,
      }).body,
    ).toEqual({
      cluster: 'prod-1',
      namespace: 'team-a',
      deployment: 'web',
      image: 'nginx:2',
      progressDeadlineSeconds: 120,
      blueGreen: {
        activeService: 'web',
        previewService: 'web-preview',
        autoPromotionSeconds: 300,
        scaleDownDelaySeconds: 30,
      },
    });
  });

  it('flags override -f, and a strategy flag replaces the file strategy', () => {
    // Prepare
    const file = {
      cluster: 'prod-1',
      namespace: 'team-a',
      deployment: 'api',
      image: 'api:1',
      blueGreen: { activeService: 'api' },
      podTemplatePatch: { metadata: { annotations: { a: 'b' } } },
    };

    // Act
    const keep = buildRolloutStart({ file, image: 'api:2' }).body;
    const replaced = buildRolloutStart({ file, canary: '50' }).body as Record<string, unknown>;

    // Assess
    expect(keep).toEqual({ ...file, image: 'api:2' });
    expect(replaced.blueGreen).toBeUndefined();
    expect(replaced.canary).toEqual({ trafficRouting: 'replicas', steps: [{ setWeight: 50 }] });
    expect(replaced.cluster).toBe('prod-1');
  });

  it.each([
    [{ deployment: 'web', canary: '10', blueGreen: 'web' }, '--canary and --blue-green: give one strategy'],
    [{ deployment: 'web' }, 'rollouts start: give --canary STEPS, --blue-green SERVICE or -f FILE'],
    [{ canary: '10' }, 'rollouts start: name the Deployment (argument or "deployment" in -f)'],
    [
      { file: { deployment: 'web', canary: {} }, alarm: ['a'] },
      '--alarm/--no-data: only with --canary or --blue-green',
    ],
  ])('refuses %j', (options, message) => {
    expect(() => buildRolloutStart(options)).toThrow(new UsageError(message));
  });

  it('list, promote: query string and idempotency header', () => {
    expect(rolloutList({ cluster: 'sandbox', namespace: undefined, limit: 5 })).toEqual({
      method: 'GET',
      path: '/rollouts?cluster=sandbox&limit=5',
    });
    expect(rolloutPromote('id-1', { full: true, idempotencyKey: 'k1' })).toEqual({
      method: 'POST',
      path: '/rollouts/id-1/promote',
      body: { full: true },
      headers: { 'idempotency-key': 'k1' },
    });
    expect(rolloutPromote('id-1', { step: 0 }).body).toEqual({ step: 0 });
  });

  it('tells a rollout id from a Deployment name', () => {
    expect(isRolloutId('3f0c2d1e-0000-4000-8000-000000000001')).toBe(true);
    expect(isRolloutId('web')).toBe(false);
  });
});

describe('cluster, node group, schedule, policy and operation requests', () => {
  it('clusters: create (and dry run), delete with force or as a dry run', () => {
    expect(clusterCreate({ name: 'prod-1' })).toEqual({ method: 'POST', path: '/clusters', body: { name: 'prod-1' } });
    expect(clusterCreate({ name: 'prod-1' }, { dryRun: true }).path).toBe('/clusters?dryRun=true');
    expect(clusterDelete('prod-1', { force: true })).toEqual({ method: 'DELETE', path: '/clusters/prod-1?force=true' });
    expect(clusterDelete('prod-1', { dryRun: true }).path).toBe('/clusters/prod-1?dryRun=true');
    expect(clusterDelete('prod-1').path).toBe('/clusters/prod-1');
  });

  it('nodegroups: get one or all; scale takes exactly one of desired, delta, fitPendingPods', () => {
    expect(nodegroupGet('prod-1').path).toBe('/clusters/prod-1/nodegroups');
    expect(nodegroupGet('prod-1', 'general').path).toBe('/clusters/prod-1/nodegroups/general');
    expect(nodegroupScale('prod-1', 'general', { desiredSize: 5, minSize: 2, maxSize: 8 })).toEqual({
      method: 'POST',
      path: '/clusters/prod-1/nodegroups/general/scale',
      body: { desiredSize: 5, minSize: 2, maxSize: 8 },
    });
    expect(nodegroupScale('c', 'n', { delta: -2 }).body).toEqual({ delta: -2 });
    expect(nodegroupScale('c', 'n', { fitPendingPods: true }).body).toEqual({ fitPendingPods: true });
    const one = new UsageError(
      'nodegroups scale: give exactly one of --desired-size N, --delta N, --fit-pending-pods (or only --min-size/--max-size)',
    );
    expect(() => nodegroupScale('c', 'n', {})).toThrow(one);
    expect(() => nodegroupScale('c', 'n', { desiredSize: 3, delta: 1 })).toThrow(one);
    expect(nodegroupScale('c', 'n', { maxSize: 20 }).body).toEqual({ maxSize: 20 });
  });

  it('schedules: add with the contract field names, list, refuse a malformed expression', () => {
    const night = {
      name: 'night',
      schedule: 'cron(0 20 * * ? *)',
      timezone: 'Europe/Paris',
      desiredSize: 1,
      minSize: 1,
      maxSize: 3,
      startDate: '2026-12-01T00:00:00Z',
    };
    // The body is the options as given, under the contract's own field names.
    expect(scheduleAdd('prod-1', 'general', { ...night })).toEqual({
      method: 'POST',
      path: '/clusters/prod-1/nodegroups/general/schedules',
      body: night,
    });
    expect(scheduleList('a b', 'n').path).toBe('/clusters/a%20b/nodegroups/n/schedules');
    expect(() => scheduleAdd('c', 'n', { name: 'x', schedule: 'every day' })).toThrow(/--schedule/);
  });

  it('policies: add with an adjustment object, remove; a value is needed except for fitPendingPods', () => {
    expect(
      policyAdd('prod-1', 'general', {
        name: 'cpu',
        alarm: 'cpu-high',
        adjustment: 'percent',
        value: 50,
        cooldown: 300,
      }),
    ).toEqual({
      method: 'POST',
      path: '/clusters/prod-1/nodegroups/general/policies',
      body: { name: 'cpu', alarm: 'cpu-high', adjustment: { type: 'percent', value: 50 }, cooldownSeconds: 300 },
    });
    expect(policyAdd('c', 'n', { name: 'p', alarm: 'a', adjustment: 'fitPendingPods' }).body).toEqual({
      name: 'p',
      alarm: 'a',
      adjustment: { type: 'fitPendingPods' },
    });
    expect(() => policyAdd('c', 'n', { name: 'p', alarm: 'a', adjustment: 'change' })).toThrow(/--value/);
    expect(() => policyAdd('c', 'n', { name: 'p', alarm: 'a', adjustment: 'double', value: 2 })).toThrow(
      /--adjustment/,
    );
    const onOk = { name: 'p', alarm: 'a', adjustment: 'percent', value: -25, minStep: 1, state: 'OK' };
    expect(policyAdd('c', 'n', onOk).body).toEqual({
      name: 'p',
      alarm: 'a',
      state: 'OK',
      adjustment: { type: 'percent', value: -25, minStep: 1 },
    });
    expect(() => policyAdd('c', 'n', { ...onOk, state: 'alarm' })).toThrow(/--state/);
    expect(() => policyAdd('c', 'n', { ...onOk, adjustment: 'change' })).toThrow(/--min-step/);
    expect(policyRemove('c', 'n', 'p')).toEqual({ method: 'DELETE', path: '/clusters/c/nodegroups/n/policies/p' });
  });

  it('operations: retry', () => {
    expect(operationRetry('op-1')).toEqual({ method: 'POST', path: '/operations/op-1/retry' });
  });
});
