import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { cliSandbox, eksflow } from '../helpers/cli-harness';
import { deleteClustersMade, track } from '../helpers/cluster-fixtures';
import { waitForNodes } from '../helpers/clusters';
import { createAlarm } from '../helpers/rollout-fixtures';
import { api, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

/**
 * The cluster, node group, schedule, policy and operation commands against the real routes of the sandbox.
 * One cluster for the whole file (each costs a control plane): the tests run in order on it, and the last deletes it.
 */
describe('eksflow clusters, nodegroups, schedules, policies, operations against the sandbox', () => {
  let runtime: TestRuntime;
  let sandbox: { dir: string; env: Record<string, string> };
  const name = track(uniqueName('cli'));
  const NODEGROUP = 'general';
  /** The bounds of the spec's node group: a scale to MAX + 1 is out of them. */
  const MAX = 3;
  let specFile: string;
  let scaleOperationId: string;

  beforeAll(async () => {
    runtime = await startTestRuntime();
    sandbox = cliSandbox(runtime);
    specFile = path.join(sandbox.dir, `${name}.yaml`);
    writeFileSync(
      specFile,
      [
        `name: ${name}`,
        'nodegroups:',
        `  - {name: ${NODEGROUP}, instanceTypes: [m6i.large], minSize: 1, maxSize: ${MAX}, desiredSize: 1}`,
        'namespaces:',
        '  - {name: team-a}',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await deleteClustersMade();
    await runtime?.close();
  });
  const run = (...args: string[]) => eksflow(args, sandbox);

  it('clusters create --dry-run prints the plan and makes nothing; create -f --wait exits 0; get shows the node group', async () => {
    // Prepare: nothing of that name yet.
    const before = await run('clusters', 'get', name);

    // Act
    const dryRun = await run('clusters', 'create', '-f', specFile, '--dry-run');
    const afterDryRun = await run('clusters', 'get', name);
    const created = await run('clusters', 'create', '-f', specFile, '--wait', '--timeout', '2m');
    const shown = await run('clusters', 'get', name);
    const listed = await run('clusters', 'list', '-o', 'json');

    // Assess
    expect(before.code).toBe(1);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/^ACTION +RESOURCE +NAME/);
    expect(dryRun.stdout).toMatch(new RegExp(`create +controlPlane +${name}`));
    expect(dryRun.stdout).toMatch(new RegExp(`create +nodegroup +${NODEGROUP}`));
    expect(afterDryRun.code).toBe(1);
    expect(afterDryRun.stderr).toContain('(404 NotFound)');
    expect(created.code).toBe(0);
    expect(created.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^ProvisionCluster ${name} {2}Succeeded {2}`));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^Cluster ${name} {2}ACTIVE`));
    expect(shown.stdout).toMatch(new RegExp(`${NODEGROUP} +ACTIVE +1 +1 +${MAX} +m6i.large`));
    expect(shown.stdout).toContain('baseline namespaces: team-a');
    const mine = JSON.parse(listed.stdout).clusters.find((c: { name: string }) => c.name === name);
    expect(mine).toMatchObject({ status: 'ACTIVE', managed: true, lastOperation: { kind: 'ProvisionCluster' } });
  });

  it('nodegroups scale --desired-size 2 --wait exits 0 and the group has 2 Nodes; beyond max exits 2 naming desiredSize', async () => {
    // Prepare
    const before = await run('nodegroups', 'get', name, '-o', 'json');

    // Act
    const scaled = await run(
      'nodegroups',
      'scale',
      name,
      NODEGROUP,
      '--desired-size',
      '2',
      '--wait',
      '--timeout',
      '1m',
    );
    const tooBig = await run('nodegroups', 'scale', name, NODEGROUP, '--desired-size', String(MAX + 1));
    const after = await run('nodegroups', 'get', name, NODEGROUP);
    const nodes = await waitForNodes(name, 2, `eks.amazonaws.com/nodegroup=${NODEGROUP}`);

    // Assess
    expect(JSON.parse(before.stdout).nodegroups.map((n: { desiredSize: number }) => n.desiredSize)).toEqual([1]);
    expect(scaled.code).toBe(0);
    const started = scaled.stderr.match(/^operation (\S+) started: min\/desired\/max 1\/1\/3 → 1\/2\/3$/m);
    expect(started).not.toBeNull();
    scaleOperationId = started?.[1] ?? '';
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(/\(400 \w+\)\n {2}desiredSize: /);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(new RegExp(`${NODEGROUP} +ACTIVE +1 +2 +${MAX}`));
    expect(after.stdout).toContain(scaleOperationId);
    expect(nodes).toHaveLength(2);
  });

  it('operations get shows the scale operation with its steps', async () => {
    // Prepare
    const recorded = (await api(runtime, 'GET', `/operations/${scaleOperationId}`)).body;

    // Act
    const shown = await run('operations', 'get', scaleOperationId);

    // Assess
    expect(shown.code).toBe(0);
    const lines = shown.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Operation ${scaleOperationId}`);
    expect(lines[1]).toMatch(new RegExp(`^ScaleNodegroup ${name} {2}Succeeded `));
    expect(lines.at(-1)).toMatch(
      new RegExp(`^ {2}node group ${NODEGROUP} {2}min/desired/max 1/1/3 → 1/2/3 {2}asked by arn:`),
    );
    expect(lines.filter((l) => l.startsWith('  ✔')).map((l) => l.trim().split(/ +/)[3])).toEqual(
      recorded.steps.map((s: { name: string }) => s.name),
    );
  });

  /** One named schedule or policy through the CLI: add it, list, remove it, list again as JSON. */
  const roundTrip = async (noun: 'schedules' | 'policies', item: string, addFlags: string[]) => ({
    added: await run(noun, 'add', name, NODEGROUP, '--name', item, ...addFlags),
    listed: await run(noun, 'list', name, NODEGROUP),
    removed: await run(noun, 'rm', name, NODEGROUP, item),
    after: await run(noun, 'list', name, NODEGROUP, '-o', 'json'),
  });

  it('schedules add|list|rm and policies add|list|rm round-trip', async () => {
    // Prepare
    const alarm = await createAlarm('OK');

    // Act
    const schedules = await roundTrip('schedules', 'night', [
      '--schedule',
      'cron(0 20 * * ? *)',
      '--timezone',
      'Europe/Paris',
      '--desired-size',
      '1',
    ]);
    const policies = await roundTrip('policies', 'busy', [
      '--alarm',
      alarm,
      '--adjustment',
      'change',
      '--value',
      '1',
      '--cooldown',
      '300',
    ]);

    // Assess
    for (const { added, listed, removed, after } of [schedules, policies])
      expect([added, listed, removed, after].map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(schedules.added.stdout).toBe('schedule night added\n');
    expect(schedules.listed.stdout).toMatch(/^night +cron\(0 20 \* \* \? \*\) +Europe\/Paris +1 *$/m);
    expect(schedules.removed.stdout).toBe('schedule night removed\n');
    expect(JSON.parse(schedules.after.stdout)).toEqual({ schedules: [] });
    expect(policies.listed.stdout).toMatch(new RegExp(`^busy +${alarm} +ALARM +change +1 +300s *$`, 'm'));
    expect(JSON.parse(policies.after.stdout)).toEqual({ policies: [] });
  });

  it('the restricted identity is refused (403, exit 1) a scale, a schedule and a delete, and nothing changes', async () => {
    // Prepare: team-developer may read and roll out in team-* namespaces of the sandbox cluster only.
    const restricted = cliSandbox(runtime, SANDBOX_RESTRICTED);
    const before = await run('nodegroups', 'get', name, NODEGROUP, '-o', 'json');

    // Act
    const scale = await eksflow(['nodegroups', 'scale', name, NODEGROUP, '--desired-size', '3'], restricted);
    const schedule = await eksflow(
      ['schedules', 'add', name, NODEGROUP, '--name', 'x', '--schedule', 'rate(1 day)', '--desired-size', '3'],
      restricted,
    );
    const teardown = await eksflow(['clusters', 'delete', name], restricted);
    const after = await run('nodegroups', 'get', name, NODEGROUP, '-o', 'json');
    const schedules = await run('schedules', 'list', name, NODEGROUP, '-o', 'json');
    const missing = await run('operations', 'get', 'no-such-operation');

    // Assess
    for (const refused of [scale, schedule, teardown]) {
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/\(403 \w+\)/);
    }
    const sizes = (view: { minSize: number; desiredSize: number; maxSize: number; recentOperations: unknown[] }) => [
      view.minSize,
      view.desiredSize,
      view.maxSize,
      view.recentOperations.length,
    ];
    expect(sizes(JSON.parse(after.stdout))).toEqual(sizes(JSON.parse(before.stdout)));
    expect(JSON.parse(schedules.stdout)).toEqual({ schedules: [] });
    expect((await run('clusters', 'get', name)).code).toBe(0);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'error: operation no-such-operation not found (404 NotFound)\n  id: no such operation\n',
    );
  });

  it('clusters delete --dry-run plans and keeps it; delete --wait exits 0 and the cluster is gone', async () => {
    // Prepare
    const before = await run('clusters', 'get', name, '-o', 'json');

    // Act
    const dryRun = await run('clusters', 'delete', name, '--dry-run');
    const stillThere = await run('clusters', 'get', name);
    const deleted = await run('clusters', 'delete', name, '--wait', '--timeout', '2m');
    const gone = await run('clusters', 'get', name);

    // Assess
    expect(JSON.parse(before.stdout).controlPlane.status).toBe('ACTIVE');
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(new RegExp(`delete +nodegroup +${NODEGROUP}`));
    expect(stillThere.code).toBe(0);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^DeleteCluster ${name} {2}Succeeded {2}`));
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('(404 NotFound)');
  });
});
