import {
  renderCluster,
  renderClusterList,
  renderNodegroup,
  renderPlan,
  renderPolicies,
  renderSchedules,
  scaleStartedLine,
} from '../../../../cli/render/cluster-view';
import { renderOperation } from '../../../../cli/render/operation-view';

/** The table views read the routes' answers as they are (shapes of GET /clusters, /clusters/{name}, …). */
describe('cluster and scaling views', () => {
  it('GET /clusters: name, status, version, managed, last operation (no node groups in a list)', () => {
    // Prepare
    const answer = {
      clusters: [
        { name: 'sandbox', status: 'ACTIVE', version: '1.33', managed: false },
        {
          name: 'prod-1',
          status: 'CREATING',
          version: '1.33',
          managed: true,
          lastOperation: { id: 'op-1', kind: 'ProvisionCluster', status: 'Running' },
        },
      ],
    };

    // Act
    const table = renderClusterList(answer.clusters);

    // Assess
    expect(table.split('\n')).toEqual([
      'NAME     STATUS    VERSION  MANAGED  LAST OPERATION',
      'sandbox  ACTIVE    1.33     no       ',
      'prod-1   CREATING  1.33     yes      ProvisionCluster Running',
    ]);
  });

  it('GET /clusters/{name}: control plane line, node groups with sizes, add-ons, access, baseline, operations', () => {
    // Prepare
    const cluster = {
      name: 'prod-1',
      managed: true,
      controlPlane: { status: 'ACTIVE', version: '1.33', endpoint: 'https://127.0.0.1:6443' },
      nodegroups: [
        { name: 'general', status: 'ACTIVE', instanceTypes: ['m6i.large'], minSize: 1, desiredSize: 2, maxSize: 4 },
      ],
      addons: [{ name: 'coredns', status: 'ACTIVE', version: 'v1.11.1' }],
      access: [{ principalArn: 'arn:aws:iam::1:role/dev', policy: 'edit', namespaces: ['team-a'] }],
      baseline: { digest: 'abc', namespaces: ['team-a'] },
      operations: [
        { id: 'op-1', kind: 'ProvisionCluster', status: 'Succeeded', createdAt: '2026-11-26T01:00:00.000Z' },
      ],
    };

    // Act
    const text = renderCluster(cluster);

    // Assess
    expect(text.split('\n\n')).toEqual([
      'Cluster prod-1  ACTIVE  Kubernetes 1.33  (managed by eksflow)\nendpoint https://127.0.0.1:6443',
      'NODEGROUP  STATUS  MIN  DESIRED  MAX  INSTANCE TYPES\ngeneral    ACTIVE  1    2        4    m6i.large',
      'ADDON    STATUS  VERSION\ncoredns  ACTIVE  v1.11.1',
      'ACCESS PRINCIPAL         POLICY  NAMESPACES\narn:aws:iam::1:role/dev  edit    team-a',
      'baseline namespaces: team-a',
      'OPERATION  KIND              STATUS     CREATED                   ERROR\nop-1       ProvisionCluster  Succeeded  2026-11-26T01:00:00.000Z  ',
    ]);
  });

  it('a node group with its change in flight and recent changes; the scale answer as a line', () => {
    // Prepare
    const from = { minSize: 1, desiredSize: 3, maxSize: 10 };
    const to = { minSize: 1, desiredSize: 5, maxSize: 10 };
    const view = {
      cluster: 'prod-1',
      name: 'general',
      status: 'UPDATING',
      ...to,
      instanceTypes: ['m6i.large'],
      activeOperationId: 'op-2',
      recentOperations: [
        { id: 'op-2', status: 'Running', requestedBy: 'arn:u', from, to, createdAt: '2026-11-26T01:00:00Z' },
      ],
    };

    // Act
    const text = renderNodegroup(view);
    const line = scaleStartedLine({ operationId: 'op-2', from, to });

    // Assess
    expect(text).toContain('general    UPDATING  1    5        10   m6i.large');
    expect(text).toContain('changing now: operation op-2');
    expect(text).toMatch(/op-2 +Running +arn:u +1\/3\/10 +1\/5\/10 +2026-11-26T01:00:00Z/);
    expect(line).toBe('operation op-2 started: min/desired/max 1/3/10 → 1/5/10');
  });

  it('plans, schedules and policies as the routes answer them', () => {
    // Act
    const empty = renderPlan([]);
    const schedules = renderSchedules([
      { name: 'night', schedule: 'cron(0 20 * * ? *)', timezone: 'Europe/Paris', desiredSize: 1 },
    ]);
    const policies = renderPolicies([
      { name: 'busy', alarm: 'cpu', state: 'ALARM', adjustment: { type: 'change', value: 2 }, cooldownSeconds: 300 },
      { name: 'fit', alarm: 'pending', state: 'ALARM', adjustment: { type: 'fitPendingPods' }, cooldownSeconds: 60 },
    ]);

    // Assess
    expect(empty).toBe('nothing to do');
    expect(schedules.split('\n')[1]).toMatch(/^night +cron\(0 20 \* \* \? \*\) +Europe\/Paris +1 +$/);
    expect(policies.split('\n').slice(1)).toEqual([
      'busy  cpu      ALARM  change          2      300s      ',
      'fit   pending  ALARM  fitPendingPods         60s       ',
    ]);
  });

  it('a failed operation names the step a retry resumes at', () => {
    // Prepare
    const failed = {
      id: 'op-3',
      kind: 'ProvisionCluster',
      cluster: 'prod-1',
      status: 'Failed' as const,
      steps: [{ name: 'ControlPlaneRequested', at: '2026-11-26T01:00:00.000Z' }],
      error: { code: 'Throttled', message: 'slow down', step: 'ControlPlaneActive' },
      createdAt: '2026-11-26T01:00:00.000Z',
      updatedAt: '2026-11-26T01:00:30.000Z',
    };

    // Act
    const lines = renderOperation(failed, new Date('2026-11-26T02:00:00.000Z'));

    // Assess
    expect(lines).toEqual([
      'Operation op-3',
      'ProvisionCluster prod-1  Failed  step 1 ControlPlaneRequested  30s  Throttled: slow down',
      '  ✔ 1  01:00:00  ControlPlaneRequested',
      '  failed at ControlPlaneActive: eksflow operations retry op-3 resumes there',
    ]);
  });
});
