/**
 * Issue 8 items 2 and 3 end to end through the HTTP server: requests signed (SigV4) with the sandbox's admin and
 * restricted credentials (`.sandbox/env`, `.sandbox/restricted.env`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from '../../local/sandbox/identities';

const SANDBOX_ADMIN_ARN = SANDBOX_ADMIN.principalArn;
const SANDBOX_RESTRICTED_ARN = SANDBOX_RESTRICTED.principalArn;

import { type App, createApp, deployment, waitForRollout } from '../helpers/rollout-fixtures';
import { apiAs, eventually, startTestRuntime, type TestRuntime, uniqueName } from '../helpers/stack';

const rolloutOf = (namespace: string, extra: Record<string, unknown> = {}) => ({
  cluster: 'sandbox',
  namespace,
  deployment: 'web',
  image: 'nginx:1.28',
  canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
  ...extra,
});

describe('authorization and safe patches through the HTTP API', () => {
  let runtime: TestRuntime;
  let teamApp: App;
  let otherApp: App;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    [teamApp, otherApp] = await Promise.all([
      createApp({ replicas: 2, namespacePrefix: 'team' }),
      createApp({ replicas: 2 }),
    ]);
  }, 60000);
  afterAll(async () => runtime?.close());

  it('the restricted identity outside its namespaces → 403 naming action and resource, and no Deployment created', async () => {
    // Act
    const response = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'POST', '/rollouts', rolloutOf(otherApp.namespace));

    // Assess
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('Forbidden');
    expect(response.body.error.message).toContain(`rollout on sandbox/${otherApp.namespace}`);
    expect(await deployment(otherApp.namespace, 'web-canary')).toBeUndefined();
    expect((await deployment(otherApp.namespace, 'web'))?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');
  });

  it('the restricted identity in a team-* namespace → 202, and it may read, list and abort its rollout', async () => {
    // Act
    const started = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'POST', '/rollouts', rolloutOf(teamApp.namespace));

    // Assess
    expect(started.status).toBe(202);
    const paused = await waitForRollout(runtime, started.body.id, (r) => r.status === 'Paused');
    expect(paused.weights.canary).toBe(50);
    const read = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'GET', `/rollouts/${started.body.id}`);
    expect(read.status).toBe(200);
    const listed = await apiAs(
      SANDBOX_RESTRICTED_ARN,
      runtime,
      'GET',
      `/rollouts?cluster=sandbox&namespace=${teamApp.namespace}`,
    );
    expect(listed.body.rollouts.map((r: { id: string }) => r.id)).toEqual([started.body.id]);
    const aborted = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'POST', `/rollouts/${started.body.id}/abort`);
    expect(aborted.status).toBe(200);
    await waitForRollout(runtime, started.body.id, (r) => r.status === 'Aborted');
  }, 60000);

  it("the restricted identity may not read, promote or abort the admin's rollout elsewhere (404, as if absent), and nothing changes", async () => {
    // Prepare
    const started = await apiAs(SANDBOX_ADMIN_ARN, runtime, 'POST', '/rollouts', rolloutOf(otherApp.namespace));
    expect(started.status).toBe(202);
    const id = started.body.id;
    const before = await waitForRollout(runtime, id, (r) => r.status === 'Paused');

    // Act
    const read = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'GET', `/rollouts/${id}`);
    const promote = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'POST', `/rollouts/${id}/promote`);
    const abort = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'POST', `/rollouts/${id}/abort`);
    const namedList = await apiAs(
      SANDBOX_RESTRICTED_ARN,
      runtime,
      'GET',
      `/rollouts?cluster=sandbox&namespace=${otherApp.namespace}`,
    );
    const wholeList = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'GET', '/rollouts?cluster=sandbox');

    // Assess
    // Issue 16: a rollout the caller may not read is a 404 that names nothing of it; a list it names is a 403.
    expect([read.status, promote.status, abort.status, namedList.status]).toEqual([404, 404, 404, 403]);
    for (const refused of [read, promote, abort])
      expect(JSON.stringify(refused.body)).not.toContain(otherApp.namespace);
    // Without a cluster-wide read grant, a list must name its namespace.
    expect(wholeList.status).toBe(400);
    expect(wholeList.body.error.details).toEqual([expect.objectContaining({ field: 'namespace' })]);
    const after = await apiAs(SANDBOX_ADMIN_ARN, runtime, 'GET', `/rollouts/${id}`);
    expect(after.body).toMatchObject({
      status: 'Paused',
      currentStepIndex: before.currentStepIndex,
      weights: before.weights,
    });
    // Clean up: the admin may.
    expect((await apiAs(SANDBOX_ADMIN_ARN, runtime, 'POST', `/rollouts/${id}/abort`)).status).toBe(200);
    await waitForRollout(runtime, id, (r) => r.status === 'Aborted');
  }, 60000);

  it('a patch with privileged: true → 400 naming the field, even for the admin, and nothing created', async () => {
    // Act
    const response = await apiAs(
      SANDBOX_ADMIN_ARN,
      runtime,
      'POST',
      '/rollouts',
      rolloutOf(teamApp.namespace, {
        image: undefined,
        podTemplatePatch: {
          spec: { containers: [{ name: 'web', image: 'nginx:1.28', securityContext: { privileged: true } }] },
        },
      }),
    );

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual(
      expect.objectContaining({ field: 'podTemplatePatch.spec.containers.0.securityContext' }),
    );
    expect(await deployment(teamApp.namespace, 'web-canary')).toBeUndefined();
  });

  it('a rollout in kube-system → 403 even for the admin with *', async () => {
    // Act
    const response = await apiAs(SANDBOX_ADMIN_ARN, runtime, 'POST', '/rollouts', rolloutOf('kube-system'));

    // Assess
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('rollout on sandbox/kube-system');
    expect(await deployment('kube-system', 'web-canary')).toBeUndefined();
  });

  it("an operation is read on its cluster: the restricted identity may not see the admin's provisioning", async () => {
    // Prepare
    const accepted = await apiAs(SANDBOX_ADMIN_ARN, runtime, 'POST', '/clusters', { name: uniqueName('authz') });
    expect(accepted.status).toBe(202);
    const operationPath = `/operations/${accepted.body.operationId}`;

    // Act
    const restricted = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'GET', operationPath);
    const admin = await apiAs(SANDBOX_ADMIN_ARN, runtime, 'GET', operationPath);

    // Assess
    expect(restricted.status).toBe(404);
    expect(JSON.stringify(restricted.body)).not.toContain(accepted.body.cluster.name);
    expect(admin.status).toBe(200);
    await eventually('the provisioning to end', async () =>
      (await apiAs(SANDBOX_ADMIN_ARN, runtime, 'GET', operationPath)).body.status === 'Running' ? undefined : true,
    );
  }, 60000);

  it('the restricted identity may not provision a cluster', async () => {
    // Act
    const response = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'POST', '/clusters', {
      name: 'mine',
      roleArn: 'arn:aws:iam::000000000000:role/eks',
      subnetIds: ['subnet-a', 'subnet-b'],
    });

    // Assess
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('cluster on mine');
  });
});

describe("a deployment's own access policy (EKSFLOW_ACCESS_POLICY_FILE): extra pod fields, registries, kube-system", () => {
  const REGISTRY = 'registry.example.com/';
  let runtime: TestRuntime;
  let teamApp: App;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-policy-'));
    const file = path.join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        'statements:',
        `  - {sid: admin, principals: ["${SANDBOX_ADMIN_ARN}"], clusters: ["*"], namespaces: ["*", kube-system], actions: [read, rollout, abort]}`,
        `  - sid: devs`,
        `    principals: ["${SANDBOX_RESTRICTED_ARN}"]`,
        '    clusters: [sandbox]',
        '    namespaces: ["team-*"]',
        '    actions: [read, rollout, abort]',
        '    allowPodFields: [spec.terminationGracePeriodSeconds]',
        `    imageRegistries: ["${REGISTRY}"]`,
      ].join('\n'),
    );
    runtime = await startTestRuntime({ env: { EKSFLOW_ACCESS_POLICY_FILE: file } });
    teamApp = await createApp({ replicas: 2, namespacePrefix: 'team' });
  }, 60000);
  afterAll(async () => runtime?.close());

  it('an image from another registry → 400 naming image; nothing created', async () => {
    // Act
    const response = await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'POST', '/rollouts', rolloutOf(teamApp.namespace));

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'image', reason: `image must come from ${REGISTRY}` }]);
    expect(await deployment(teamApp.namespace, 'web-canary')).toBeUndefined();
  });

  it('a field the statement allows, with an image from its registry → 202, and the new version has it', async () => {
    // Act
    const response = await apiAs(
      SANDBOX_RESTRICTED_ARN,
      runtime,
      'POST',
      '/rollouts',
      rolloutOf(teamApp.namespace, {
        image: `${REGISTRY}web:2`,
        podTemplatePatch: { spec: { terminationGracePeriodSeconds: 5 } },
      }),
    );

    // Assess
    expect(response.status).toBe(202);
    await waitForRollout(runtime, response.body.id, (r) => r.status === 'Paused');
    const canary = await deployment(teamApp.namespace, 'web-canary');
    expect(canary?.spec?.template.spec).toMatchObject({
      terminationGracePeriodSeconds: 5,
      containers: [expect.objectContaining({ image: `${REGISTRY}web:2` })],
    });
    await apiAs(SANDBOX_RESTRICTED_ARN, runtime, 'POST', `/rollouts/${response.body.id}/abort`);
    await waitForRollout(runtime, response.body.id, (r) => r.status === 'Aborted');
  }, 60000);

  it('kube-system named by a statement lets the admin through authorization (to the cluster checks)', async () => {
    // Act
    const response = await apiAs(SANDBOX_ADMIN_ARN, runtime, 'POST', '/rollouts', rolloutOf('kube-system'));

    // Assess: past the policy, refused only because kube-system has no Deployment web.
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ field: 'deployment' })]);
  });
});
