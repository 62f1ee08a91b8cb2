/**
 * Issue 16, played as a hostile tenant would through the sandbox's HTTP API: the restricted identity
 * (`team-developer`, limited by the policy file named by EKSFLOW_ACCESS_POLICY_FILE to `team-*` namespaces on
 * cluster `sandbox` and images under registry.example.com/team/), and, where the tenant replays what it captured,
 * an admin's signed request. Each attempt gets a 4xx naming the field and changes nothing on the cluster or in
 * the store.
 * - Items 4–7 and 8's schedule conflict: lists, ids, replays, the sandbox endpoints, schedules.
 * - Items 1–3 and 8's policy validation: a rollout's image and podTemplatePatch stay within one statement
 *   (fuzzed patches too).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { signedHeaders } from '../../cli/http/sigv4';
import { deployedScheduleName } from '../../core/adapters/aws/eventbridge-scheduler';
import { KubeClusterBaseline } from '../../core/adapters/kube/kube-baseline';
import { KubeClientFactory } from '../../core/adapters/kube/kube-clients';
import { REPO_ROOT } from '../../local/runtime';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { functionRoles, packagedTemplate } from '../../tools/aws-gate/packaged-roles';
import { defined } from '../helpers/defined';
import { createNodegroup, emulatorNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import { type App, createApp, deployment, waitForRollout } from '../helpers/rollout-fixtures';
import {
  api,
  apiAs,
  awsClientConfig,
  eventually,
  kube,
  stackFetch,
  startTestRuntime,
  type TestRuntime,
  testStack,
  uniqueName,
} from '../helpers/stack';

const TEAM_REGISTRY = 'registry.example.com/team/';
const as = { admin: { as: SANDBOX_ADMIN }, tenant: { as: SANDBOX_RESTRICTED } };
const keyed = (key = randomUUID()) => ({ 'idempotency-key': key });

describe('a hostile tenant through the HTTP API: lists, ids, replays, the sandbox endpoints, schedules', () => {
  let runtime: TestRuntime;
  let teamApp: App;
  let otherApp: App;
  /** The admin's paused rollout in a namespace the tenant may not read. */
  let otherId: string;
  /** The tenant's two rollouts (one finished, one paused) in its own namespace. */
  let teamIds: string[];
  let scheduleGroup: string;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-tenant-'));
    const policyFile = path.join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      [
        'statements:',
        `  - {sid: admin, principals: ["${SANDBOX_ADMIN.principalArn}"], clusters: ["*"], namespaces: ["*"], actions: [read, rollout, promote, abort, cluster, scale]}`,
        '  - sid: team',
        `    principals: ["${SANDBOX_RESTRICTED.principalArn}"]`,
        '    clusters: [sandbox]',
        '    namespaces: ["team-*"]',
        '    actions: [read, rollout, promote, abort]',
        `    imageRegistries: ["${TEAM_REGISTRY}"]`,
      ].join('\n'),
    );
    // Schedules deploy to the emulator's EventBridge Scheduler as the packaged API function's would.
    const apiRole = functionRoles(await packagedTemplate(REPO_ROOT), { region: 'us-east-1', tableName: 'x' }).find(
      (role) => role.functionName === 'api',
    );
    const schedulerEnv = Object.fromEntries(
      Object.entries(apiRole?.environment ?? {}).filter(([key]) => key.startsWith('EKSFLOW_SCHEDULER_')),
    );
    scheduleGroup = defined(schedulerEnv.EKSFLOW_SCHEDULER_GROUP, "the api function's EKSFLOW_SCHEDULER_GROUP");
    await new SchedulerClient(awsClientConfig())
      .send(new CreateScheduleGroupCommand({ Name: scheduleGroup }))
      .catch((error) => (error.name === 'ConflictException' ? undefined : Promise.reject(error)));
    await new SQSClient(awsClientConfig()).send(
      new CreateQueueCommand({
        QueueName: defined(schedulerEnv.EKSFLOW_SCHEDULER_DLQ_ARN, 'schedulerEnv.EKSFLOW_SCHEDULER_DLQ_ARN')
          .split(':')
          .pop(),
      }),
    );
    runtime = await startTestRuntime({ env: { EKSFLOW_ACCESS_POLICY_FILE: policyFile, ...schedulerEnv } });
    [teamApp, otherApp] = await Promise.all([
      createApp({ replicas: 2, namespacePrefix: 'team' }),
      createApp({ replicas: 2 }),
    ]);

    const rollout = (namespace: string, image: string) => ({
      cluster: 'sandbox',
      namespace,
      deployment: 'web',
      image,
      canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
    });
    const other = await api(runtime, 'POST', '/rollouts', rollout(otherApp.namespace, 'nginx:1.28'), as.admin);
    expect(other.status).toBe(202);
    otherId = other.body.id;
    teamIds = [];
    for (const tag of ['1', '2']) {
      const started = await api(
        runtime,
        'POST',
        '/rollouts',
        rollout(teamApp.namespace, `${TEAM_REGISTRY}app:${tag}`),
        as.tenant,
      );
      expect(started.status).toBe(202);
      teamIds.push(started.body.id);
      await waitForRollout(runtime, started.body.id, (r) => r.status === 'Paused');
      if (tag === '1') {
        await api(runtime, 'POST', `/rollouts/${started.body.id}/abort`, {}, as.tenant);
        await waitForRollout(runtime, started.body.id, (r) => r.status === 'Aborted');
      }
    }
    await waitForRollout(runtime, otherId, (r) => r.status === 'Paused');
  }, 120000);
  afterAll(async () => runtime?.close());

  /** Every page of GET /rollouts as `who`, following nextToken: the items and the tokens seen. */
  async function pageToTheEnd(query: string, who: { as: typeof SANDBOX_ADMIN }) {
    const items: { id: string; namespace: string }[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    do {
      const page = await api(
        runtime,
        'GET',
        `/rollouts?${query}${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
        undefined,
        who,
      );
      expect(page.status).toBe(200);
      items.push(...page.body.rollouts);
      token = page.body.nextToken;
      if (token) tokens.push(token);
    } while (token);
    return { items, tokens };
  }

  const adminView = async (id: string) => (await api(runtime, 'GET', `/rollouts/${id}`, undefined, as.admin)).body;

  describe('lists and ids reveal nothing (item 4)', () => {
    it('paging GET /rollouts?limit=1 to the end shows the tenant nothing outside team-*, in items or in tokens', async () => {
      // Act
      const unnamed = await api(runtime, 'GET', '/rollouts?cluster=sandbox&limit=1', undefined, as.tenant);
      const other = await api(
        runtime,
        'GET',
        `/rollouts?cluster=sandbox&namespace=${otherApp.namespace}&limit=1`,
        undefined,
        as.tenant,
      );
      const own = await pageToTheEnd(`cluster=sandbox&namespace=${teamApp.namespace}&limit=1`, as.tenant);

      // Assess: a list must name a namespace the tenant may read
      expect(unnamed.status).toBe(400);
      expect(unnamed.body.error.details).toEqual([expect.objectContaining({ field: 'namespace' })]);
      expect(other.status).toBe(403);
      expect(own.items.map((r) => r.id).sort()).toEqual([...teamIds].sort());
      expect(own.items.every((r) => r.namespace.startsWith('team-'))).toBe(true);
      expect(own.tokens.length).toBeGreaterThanOrEqual(1);
      for (const token of own.tokens) {
        const decoded = Buffer.from(token, 'base64url').toString('latin1');
        for (const secret of [otherApp.namespace, otherId, teamApp.namespace, ...teamIds, 'ROLLOUT', 'CLUSTER'])
          expect(decoded).not.toContain(secret);
      }
    });

    it("a token the tenant did not get, or altered, is a 400 naming nextToken: the admin's, or a flipped byte", async () => {
      // Prepare: the admin's whole-cluster list, and the tenant's own first page
      const adminPage = await api(runtime, 'GET', '/rollouts?cluster=sandbox&limit=1', undefined, as.admin);
      const query = `/rollouts?cluster=sandbox&namespace=${teamApp.namespace}&limit=1`;
      const ownPage = await api(runtime, 'GET', query, undefined, as.tenant);
      const own: string = ownPage.body.nextToken;
      const flipped = own.slice(0, 10) + (own[10] === 'A' ? 'B' : 'A') + own.slice(11);

      // Act
      const attempts = await Promise.all(
        [adminPage.body.nextToken as string, flipped, 'eyJwayI6IlJPTExPVVQjeCJ9'].map((token) =>
          api(runtime, 'GET', `${query}&nextToken=${encodeURIComponent(token)}`, undefined, as.tenant),
        ),
      );

      // Assess
      for (const attempt of attempts) {
        expect(attempt.status).toBe(400);
        expect(attempt.body.error.details).toEqual([expect.objectContaining({ field: 'nextToken' })]);
      }
    });

    it("another namespace's rollout id is a 404 identical to a missing one (body and headers), and cannot be changed", async () => {
      // Prepare
      const before = await adminView(otherId);
      const missingId = randomUUID();
      const raw = (id: string, method = 'GET', suffix = '') =>
        stackFetch(`${runtime.url}/rollouts/${id}${suffix}`, { method }, as.tenant);
      const shape = async (response: Response, id: string) => ({
        status: response.status,
        headers: headerList(response.headers).filter(([name]) => name !== 'date'),
        body: (await response.text()).replaceAll(id, 'ID'),
      });

      // Act
      const hidden = await shape(await raw(otherId), otherId);
      const missing = await shape(await raw(missingId), missingId);
      const promote = await raw(otherId, 'POST', '/promote');
      const abort = await raw(otherId, 'POST', '/abort');
      const live = await raw(otherId, 'GET', '/live');

      // Assess
      expect(hidden.status).toBe(404);
      expect(hidden).toEqual(missing);
      expect(hidden.body).not.toContain(otherApp.namespace);
      expect([promote.status, abort.status, live.status]).toEqual([404, 404, 404]);
      const after = await adminView(otherId);
      expect(after).toMatchObject({
        status: 'Paused',
        currentStepIndex: before.currentStepIndex,
        weights: before.weights,
      });
      expect(after.history).toHaveLength(before.history.length);
    });
  });

  describe('the cheap refusal comes first (item 5)', () => {
    it('an operation on a cluster the tenant may not read is a 404 identical to a missing one', async () => {
      // Prepare: the admin's scale operation
      const ng = await createNodegroup({ minSize: 1, maxSize: 5, desiredSize: 2 });
      const accepted = await api(runtime, 'POST', nodegroupPath(ng, '/scale'), { desiredSize: 3 }, as.admin);
      expect(accepted.status).toBe(202);
      const operationId: string = accepted.body.operationId;
      const missingId = randomUUID();

      // Act
      const hidden = await api(runtime, 'GET', `/operations/${operationId}`, undefined, as.tenant);
      const missing = await api(runtime, 'GET', `/operations/${missingId}`, undefined, as.tenant);
      const retry = await api(runtime, 'POST', `/operations/${operationId}/retry`, undefined, as.tenant);

      // Assess
      expect(hidden.status).toBe(404);
      expect(JSON.stringify(hidden.body).replaceAll(operationId, 'ID')).toBe(
        JSON.stringify(missing.body).replaceAll(missingId, 'ID'),
      );
      expect(retry.status).toBe(404);
      await eventually('the scale to finish', async () => {
        const { body } = await api(runtime, 'GET', `/operations/${operationId}`, undefined, as.admin);
        return body.status === 'Running' ? undefined : body;
      });
    });

    it('unsigned GET /health is static liveness: no ARN, no account id, no error text', async () => {
      // Act
      const health = await api(runtime, 'GET', '/health', undefined, { as: 'unsigned' });

      // Assess
      expect(health).toEqual({ status: 200, body: { status: 'ok' } });
      expect(JSON.stringify(health.body)).not.toMatch(/arn:|\d{12}|error/i);
    });
  });

  describe('replays do nothing (item 6)', () => {
    let ng: NodegroupFixture;
    beforeEach(async () => {
      ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2, updateSeconds: 0 });
    });

    /** Waits until the node group has no change in flight; its desired size then. */
    const settledSize = async () =>
      eventually('no change in flight', async () => {
        const { body } = await api(runtime, 'GET', nodegroupPath(ng), undefined, as.admin);
        const idle =
          body.activeOperationId === undefined &&
          body.recentOperations.every((o: { status: string }) => o.status !== 'Running');
        return idle ? (await emulatorNodegroup(ng)).desiredSize : undefined;
      });

    it('the same signed scale request with the same Idempotency-Key, sent twice, changes desiredSize once', async () => {
      // Prepare: one request signed once (as captured on the wire): headers and body sent byte for byte twice
      const url = runtime.url + nodegroupPath(ng, '/scale');
      const body = JSON.stringify({ delta: 3 });
      const headers = await signedHeaders(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json', ...keyed() }, body },
        { credentials: SANDBOX_ADMIN, region: testStack().region },
      );

      // Act
      const first = await fetch(url, { method: 'POST', headers, body });
      const firstBody = await first.json();
      await settledSize();
      const replay = await fetch(url, { method: 'POST', headers, body });
      const replayBody = await replay.json();

      // Assess: the first answer again, one operation, one change
      expect([first.status, replay.status]).toEqual([202, 202]);
      expect(replayBody).toEqual(firstBody);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await settledSize()).toBe(5);
      const { body: view } = await api(runtime, 'GET', nodegroupPath(ng), undefined, as.admin);
      expect(view.recentOperations).toHaveLength(1);
    });

    it('a delta without a key is a 400 naming Idempotency-Key; a key reused for another body is a 422 naming it', async () => {
      // Prepare
      const key = keyed();
      const accepted = await api(
        runtime,
        'POST',
        nodegroupPath(ng, '/scale'),
        { delta: 1 },
        { ...as.admin, headers: key },
      );
      expect(accepted.status).toBe(202);
      expect(await settledSize()).toBe(3);

      // Act
      const unkeyed = await api(runtime, 'POST', nodegroupPath(ng, '/scale'), { delta: 1 }, as.admin);
      const reused = await api(
        runtime,
        'POST',
        nodegroupPath(ng, '/scale'),
        { delta: 4 },
        { ...as.admin, headers: key },
      );
      const tenant = await api(
        runtime,
        'POST',
        nodegroupPath(ng, '/scale'),
        { delta: 1 },
        { ...as.tenant, headers: keyed() },
      );

      // Assess
      expect(unkeyed.status).toBe(400);
      expect(unkeyed.body.error.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      expect(reused.status).toBe(422);
      expect(reused.body.error.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      expect(tenant.status).toBe(403);
      expect(await settledSize()).toBe(3);
      const { body: view } = await api(runtime, 'GET', nodegroupPath(ng), undefined, as.admin);
      expect(view.recentOperations).toHaveLength(1);
    });

    it('a rollout start repeated with its key starts one rollout, and answers the first id', async () => {
      // Prepare
      const app = await createApp({ replicas: 2, namespacePrefix: 'team' });
      const request = {
        cluster: 'sandbox',
        namespace: app.namespace,
        deployment: 'web',
        image: `${TEAM_REGISTRY}app:3`,
        canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
      };
      const key = keyed();

      // Act
      const first = await api(runtime, 'POST', '/rollouts', request, { ...as.tenant, headers: key });
      const again = await api(runtime, 'POST', '/rollouts', request, { ...as.tenant, headers: key });
      await waitForRollout(runtime, first.body.id, (r) => r.status === 'Paused');

      // Assess
      expect(first.status).toBe(202);
      expect(again).toEqual(first);
      const listed = await api(
        runtime,
        'GET',
        `/rollouts?cluster=sandbox&namespace=${app.namespace}`,
        undefined,
        as.tenant,
      );
      expect(listed.body.rollouts.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
      await api(runtime, 'POST', `/rollouts/${first.body.id}/abort`, {}, as.tenant);
    });
  });

  describe("the sandbox's own gaps (item 7)", () => {
    it('the tenant gets 403 on /_local/clock and /_local/events; the clock does not move', async () => {
      // Prepare
      const before = runtime.clock.now().getTime();

      // Act
      const clock = await api(runtime, 'POST', '/_local/clock', { advanceSeconds: 86400 }, as.tenant);
      const events = await api(runtime, 'POST', '/_local/events', { source: 'aws.cloudwatch' }, as.tenant);
      const unsigned = await api(runtime, 'POST', '/_local/clock', { advanceSeconds: 86400 }, { as: 'unsigned' });

      // Assess
      expect([clock.status, events.status, unsigned.status]).toEqual([403, 403, 401]);
      expect(clock.body.error.code).toBe('Forbidden');
      expect(runtime.clock.now().getTime() - before).toBeLessThan(86400 * 1000);
    });

    it('a body over the limit is a 413 before the signature is checked, and starts nothing', async () => {
      // Prepare: a rollout request padded past 64 KiB
      const app = await createApp({ replicas: 2, namespacePrefix: 'team' });
      const body = {
        cluster: 'sandbox',
        namespace: app.namespace,
        deployment: 'web',
        image: `${TEAM_REGISTRY}app:4`,
        canary: { steps: [{ setWeight: 50 }] },
        padding: 'x'.repeat(70 * 1024),
      };

      // Act
      const unsigned = await api(runtime, 'POST', '/rollouts', body, { as: 'unsigned' });
      const signed = await api(runtime, 'POST', '/rollouts', body, as.tenant);

      // Assess
      expect([unsigned.status, signed.status]).toEqual([413, 413]);
      expect(unsigned.body.error.details).toEqual([expect.objectContaining({ field: 'body' })]);
      expect(await deployment(app.namespace, 'web-canary')).toBeUndefined();
    });

    it('an unknown access key is answered as a wrong secret, without the key id', async () => {
      // Act
      const probe = 'AKIAPROBE0000000TEST';
      const unknown = await api(runtime, 'GET', '/rollouts?cluster=sandbox', undefined, {
        as: { ...SANDBOX_RESTRICTED, accessKeyId: probe },
      });
      const wrongSecret = await api(runtime, 'GET', '/rollouts?cluster=sandbox', undefined, {
        as: { ...SANDBOX_RESTRICTED, secretAccessKey: 'guess' },
      });

      // Assess
      expect([unknown.status, wrongSecret.status]).toEqual([401, 401]);
      expect(unknown.body).toEqual(wrongSecret.body);
      expect(JSON.stringify(unknown.body)).not.toContain(probe);
      expect(unknown.body.error.details).toEqual([expect.objectContaining({ field: 'authorization' })]);
    });
  });

  describe('schedules (item 8)', () => {
    it('a schedule name already taken is a 409 naming it: never adopted, the existing one unchanged', async () => {
      // Prepare: one schedule through eksflow, and one the scheduler holds that eksflow never made
      const ng = await createNodegroup({ minSize: 1, maxSize: 10, desiredSize: 2 });
      const schedule = (name: string, desiredSize: number) => ({
        name,
        schedule: 'cron(0 8 ? * MON-FRI *)',
        timezone: 'UTC',
        desiredSize,
      });
      const created = await api(runtime, 'POST', nodegroupPath(ng, '/schedules'), schedule('morning', 4), as.admin);
      expect(created.status).toBe(201);
      const planted = deployedScheduleName({ cluster: ng.cluster, nodegroup: ng.name, name: 'planted' });
      const scheduler = new SchedulerClient(awsClientConfig());
      await scheduler.send(
        new CreateScheduleCommand({
          Name: planted,
          GroupName: scheduleGroup,
          ScheduleExpression: 'rate(1 minute)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: 'arn:aws:lambda:us-east-1:000000000000:function:elsewhere',
            RoleArn: 'arn:aws:iam::000000000000:role/x',
          },
        }),
      );

      // Act
      const stored = await api(runtime, 'POST', nodegroupPath(ng, '/schedules'), schedule('morning', 9), as.admin);
      const adopted = await api(runtime, 'POST', nodegroupPath(ng, '/schedules'), schedule('planted', 9), as.admin);
      const tenant = await api(runtime, 'POST', nodegroupPath(ng, '/schedules'), schedule('t', 1), as.tenant);

      // Assess
      for (const conflict of [stored, adopted]) {
        expect(conflict.status).toBe(409);
        expect(conflict.body.error.details).toEqual([{ field: 'name', reason: 'already exists' }]);
      }
      expect(adopted.body.error.message).toContain('planted');
      expect(tenant.status).toBe(403);
      const listed = await api(runtime, 'GET', nodegroupPath(ng, '/schedules'), undefined, as.admin);
      expect(listed.body.schedules).toEqual([expect.objectContaining({ name: 'morning', desiredSize: 4 })]);
      const kept = await scheduler.send(new GetScheduleCommand({ Name: planted, GroupName: scheduleGroup }));
      expect(kept.ScheduleExpression).toBe('rate(1 minute)');
      expect(kept.Target?.Arn).toBe('arn:aws:lambda:us-east-1:000000000000:function:elsewhere');
    });
  });
});

function nodegroupPath(ng: NodegroupFixture, rest = ''): string {
  return `/clusters/${ng.cluster}/nodegroups/${ng.name}${rest}`;
}

/** A response's headers as [name, value] pairs, in the order `forEach` gives them. */
function headerList(headers: Headers): [string, string][] {
  const list: [string, string][] = [];
  headers.forEach((value, name) => {
    list.push([name, value]);
  });
  return list;
}

describe('hostile tenant: patches and images stay within the statement', () => {
  const ADMIN = SANDBOX_ADMIN.principalArn;
  const TENANT = SANDBOX_RESTRICTED.principalArn;
  const GOOD_IMAGE = 'registry.example.com/team/app:2';
  let runtime: TestRuntime;
  let app: App;

  const rollout = (extra: Record<string, unknown>) => ({
    cluster: 'sandbox',
    namespace: app.namespace,
    deployment: 'web',
    image: GOOD_IMAGE,
    canary: { steps: [{ setWeight: 50 }, { pause: {} }] },
    ...extra,
  });
  const container = (fields: Record<string, unknown>) => ({ spec: { containers: [{ name: 'web', ...fields }] } });

  /** What a refusal must not change: the Deployment's spec, no new version, and the rollout records. */
  async function snapshot() {
    const stable = await deployment(app.namespace, 'web');
    const listed = await apiAs(ADMIN, runtime, 'GET', `/rollouts?cluster=sandbox&namespace=${app.namespace}`);
    expect(listed.status).toBe(200);
    return {
      spec: stable?.spec,
      canary: (await deployment(app.namespace, 'web-canary')) !== undefined,
      rollouts: listed.body.rollouts.map((r: { id: string }) => r.id).sort(),
    };
  }

  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'eksflow-hostile-')), 'policy.yaml');
    writeFileSync(
      file,
      [
        'statements:',
        `  - {sid: admin, principals: ["${ADMIN}"], clusters: ["*"], namespaces: ["*"], actions: [read, rollout, abort]}`,
        '  - sid: team-developers',
        `    principals: ["${TENANT}"]`,
        '    clusters: [sandbox]',
        '    namespaces: ["team-*"]',
        '    actions: [read, rollout, abort]',
        '    imageRegistries: ["registry.example.com/team/"]',
      ].join('\n'),
    );
    runtime = await startTestRuntime({ env: { EKSFLOW_ACCESS_POLICY_FILE: file } });
    app = await createApp({ replicas: 2, namespacePrefix: 'team' });
  }, 60000);
  afterAll(async () => runtime?.close());

  it.each([
    [
      'an Istio proxy-image annotation',
      { podTemplatePatch: { metadata: { annotations: { 'sidecar.istio.io/proxyImage': 'evil.io/proxy:1' } } } },
      'podTemplatePatch.metadata.annotations.sidecar.istio.io/proxyImage',
    ],
    [
      'a kube2iam role annotation',
      { podTemplatePatch: { metadata: { annotations: { 'iam.amazonaws.com/role': 'admin' } } } },
      'podTemplatePatch.metadata.annotations.iam.amazonaws.com/role',
    ],
    [
      'a mesh opt-out label',
      { podTemplatePatch: { metadata: { labels: { 'sidecar.istio.io/inject': 'false' } } } },
      'podTemplatePatch.metadata.labels.sidecar.istio.io/inject',
    ],
    ['an image path beside the team (team-evil)', { image: 'registry.example.com/team-evil/x:1' }, 'image'],
    ['a host that only starts like the registry', { image: 'registry.example.com.evil.io/team/x:1' }, 'image'],
    ['a Docker Hub familiar name', { image: 'team/x:1' }, 'image'],
    [
      'a patch image beside the team',
      { image: undefined, podTemplatePatch: container({ image: 'registry.example.com/team-evil/x:1' }) },
      'podTemplatePatch.spec.containers.0.image',
    ],
    [
      'a probe host on the metadata service',
      { podTemplatePatch: container({ livenessProbe: { httpGet: { host: '169.254.169.254', path: '/', port: 80 } } }) },
      'podTemplatePatch.spec.containers.0.livenessProbe.httpGet.host',
    ],
    [
      'a tcpSocket readiness probe elsewhere',
      { podTemplatePatch: container({ readinessProbe: { tcpSocket: { host: '10.0.0.1', port: 5432 } } }) },
      'podTemplatePatch.spec.containers.0.readinessProbe.tcpSocket.host',
    ],
    [
      'a secretKeyRef',
      {
        podTemplatePatch: container({
          env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'other-team-db', key: 'password' } } }],
        }),
      },
      'podTemplatePatch.spec.containers.0.env.0.valueFrom.secretKeyRef',
    ],
    [
      'eight GPUs',
      { podTemplatePatch: container({ resources: { limits: { 'nvidia.com/gpu': '8' } } }) },
      'podTemplatePatch.spec.containers.0.resources.limits.nvidia.com/gpu',
    ],
    [
      '900Gi of memory',
      { podTemplatePatch: container({ resources: { requests: { memory: '900Gi' } } }) },
      'podTemplatePatch.spec.containers.0.resources.requests.memory',
    ],
  ])('%s → 400 naming the field, and nothing changes', async (_name, extra, field) => {
    // Prepare
    const before = await snapshot();

    // Act
    const response = await apiAs(TENANT, runtime, 'POST', '/rollouts', rollout(extra));

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual(expect.objectContaining({ field }));
    expect(await snapshot()).toEqual(before);
  });

  it('an image under registry.example.com/team/ is accepted, and the new version runs it', async () => {
    // Act
    const response = await apiAs(TENANT, runtime, 'POST', '/rollouts', rollout({}));

    // Assess
    expect(response.status).toBe(202);
    await waitForRollout(runtime, response.body.id, (r) => r.status === 'Paused');
    const canary = await deployment(app.namespace, 'web-canary');
    expect(canary?.spec?.template.spec?.containers[0]?.image).toBe(GOOD_IMAGE);
    expect((await apiAs(TENANT, runtime, 'POST', `/rollouts/${response.body.id}/abort`)).status).toBe(200);
    await waitForRollout(runtime, response.body.id, (r) => r.status === 'Aborted');
  }, 60000);

  /** A piece of a patch: harmless, or hostile with the field its refusal must name. */
  interface Piece {
    image?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    container?: Record<string, unknown>;
    spec?: Record<string, unknown>;
    hostileField?: string;
  }
  const at = 'podTemplatePatch.spec.containers.0';
  const goodImage: fc.Arbitrary<Piece> = fc.nat(99).map((n) => ({ image: `registry.example.com/team/app:${n}` }));
  const goodAnnotation: fc.Arbitrary<Piece> = fc.constant({
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-07T00:00:00Z' },
  });
  const goodContainer: fc.Arbitrary<Piece> = fc.constantFrom(
    { container: { readinessProbe: { httpGet: { path: '/', port: 80 } } } },
    { container: { env: [{ name: 'MODE', value: 'fast' }] } },
    { container: { resources: { requests: { cpu: '100m', memory: '64Mi' } } } },
  );
  const imagePiece: fc.Arbitrary<Piece> = fc.oneof(
    goodImage,
    fc
      .constantFrom(
        'registry.example.com/team-evil/x:1',
        'registry.example.com.evil.io/team/x:1',
        'registry.example.com:443/team/x:1',
        'registry.example.com/team:1',
        'evil.io/registry.example.com/team/x:1',
        'nginx:1.28',
        'team/x',
        'REGISTRY.example.com/Team/x',
      )
      .map((image) => ({ image, hostileField: 'image' })),
  );
  const annotationPiece: fc.Arbitrary<Piece> = fc.oneof(
    goodAnnotation,
    fc
      .oneof(
        fc.constantFrom(
          'sidecar.istio.io/proxyImage',
          'sidecar.istio.io/userVolume',
          'iam.amazonaws.com/role',
          'container.apparmor.security.beta.kubernetes.io/web',
        ),
        fc.stringMatching(/^[a-z]{1,8}\.[a-z]{2,4}\/[a-z][a-z-]{0,10}$/),
      )
      .map((key) => ({ annotations: { [key]: 'x' }, hostileField: `podTemplatePatch.metadata.annotations.${key}` })),
  );
  const labelPiece: fc.Arbitrary<Piece> = fc
    .constantFrom('sidecar.istio.io/inject', 'app.kubernetes.io/managed-by', 'eksflow.io/revision', 'tier')
    .map((key) => ({ labels: { [key]: 'x' }, hostileField: `podTemplatePatch.metadata.labels.${key}` }));
  const containerPiece: fc.Arbitrary<Piece> = fc.oneof(
    goodContainer,
    fc.constantFrom('livenessProbe', 'readinessProbe', 'startupProbe').chain((probe) =>
      fc.constantFrom('httpGet', 'tcpSocket').map((kind) => ({
        container: { [probe]: { [kind]: { host: '169.254.169.254', port: 80 } } },
        hostileField: `${at}.${probe}.${kind}.host`,
      })),
    ),
    fc.constantFrom('secretKeyRef', 'configMapKeyRef').map((ref) => ({
      container: { env: [{ name: 'X', valueFrom: { [ref]: { name: 'anything', key: 'k' } } }] },
      hostileField: `${at}.env.0.valueFrom.${ref}`,
    })),
    fc
      .constantFrom(['memory', '900Gi'], ['cpu', '64'], ['nvidia.com/gpu', '1'], ['hugepages-2Mi', '1Gi'])
      .map(([resource, amount]) => ({
        container: { resources: { limits: { [resource]: amount } } },
        hostileField: `${at}.resources.limits.${resource}`,
      })),
    fc.constantFrom('securityContext', 'command', 'volumeMounts', 'lifecycle', 'envFrom').map((field) => ({
      container: { [field]: field === 'securityContext' ? { privileged: true } : [] },
      hostileField: `${at}.${field}`,
    })),
  );
  const specPiece: fc.Arbitrary<Piece> = fc
    .constantFrom('hostNetwork', 'serviceAccountName', 'volumes', 'nodeName')
    .map((field) => ({
      spec: { [field]: field === 'volumes' ? [] : 'x' },
      hostileField: `podTemplatePatch.spec.${field}`,
    }));

  it('fuzzed hostile patches: each is a 400 naming one of its hostile fields, and changes nothing (property)', async () => {
    const anyPieces = fc.tuple(
      imagePiece,
      fc.option(annotationPiece, { nil: undefined }),
      fc.option(labelPiece, { nil: undefined }),
      // Distinct container fields, so that no piece overwrites another's.
      fc.uniqueArray(containerPiece, { maxLength: 2, selector: (p) => Object.keys(p.container ?? {})[0] }),
      fc.option(specPiece, { nil: undefined }),
    );
    // One case in four is harmless throughout, so that acceptance is exercised as well as refusal.
    const cleanPieces = fc.tuple(
      goodImage,
      fc.option(goodAnnotation, { nil: undefined }),
      fc.constant(undefined),
      fc.uniqueArray(goodContainer, { maxLength: 2, selector: (p) => Object.keys(p.container ?? {})[0] }),
      fc.constant(undefined),
    );
    const pieces = fc.oneof({ weight: 1, arbitrary: cleanPieces }, { weight: 3, arbitrary: anyPieces });
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(pieces, async ([image, annotation, label, containerParts, spec]) => {
        const all = [image, annotation, label, ...containerParts, spec].filter((p): p is Piece => p !== undefined);
        const live = all.flatMap((p) => (p.hostileField ? [p.hostileField] : []));
        const containerFields = Object.assign({}, ...containerParts.map((p) => p.container));
        const patch = {
          metadata: { annotations: annotation?.annotations ?? {}, labels: label?.labels ?? {} },
          spec: { ...spec?.spec, containers: [{ name: 'web', ...containerFields }] },
        };
        const before = await snapshot();

        const response = await apiAs(
          TENANT,
          runtime,
          'POST',
          '/rollouts',
          rollout({ image: image.image, podTemplatePatch: patch }),
        );

        if (live.length === 0) {
          // Nothing hostile survived: accepted, within the statement. Abort it so the Deployment is free again.
          expect(response.status).toBe(202);
          seen.accepted++;
          await waitForRollout(runtime, response.body.id, (r) => r.status === 'Paused');
          expect((await deployment(app.namespace, 'web-canary'))?.spec?.template.spec?.containers[0]?.image).toBe(
            image.image,
          );
          expect((await apiAs(TENANT, runtime, 'POST', `/rollouts/${response.body.id}/abort`)).status).toBe(200);
          await waitForRollout(runtime, response.body.id, (r) => r.status === 'Aborted');
          return;
        }
        seen.refused++;
        expect(response.status).toBe(400);
        const fields = response.body.error.details.map((d: { field: string }) => d.field);
        expect(fields.length).toBeGreaterThan(0);
        for (const field of fields) expect(live).toContain(field);
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 40 },
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 240000);

  it('a policy file granting principal * (or a wildcard account) fails closed: every request is a 500, nothing is allowed', async () => {
    // Prepare: a deployment whose policy grants everyone everything in team-*.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'eksflow-wide-')), 'policy.yaml');
    writeFileSync(
      file,
      'statements:\n  - {sid: everyone, principals: ["arn:aws:iam::*:role/*"], clusters: ["*"], namespaces: ["team-*"], actions: [rollout]}\n',
    );
    const wide = await startTestRuntime({ env: { EKSFLOW_ACCESS_POLICY_FILE: file } });
    try {
      const before = await snapshot();

      // Act
      const response = await apiAs(TENANT, wide, 'POST', '/rollouts', rollout({}));

      // Assess: refused at load, so the request never reaches authorization; the internal error says nothing.
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.body)).not.toContain('arn:');
      expect(await snapshot()).toEqual(before);
    } finally {
      await wide.close();
    }
  }, 60000);

  it.each([
    ['baseline', undefined, { privileged: true }],
    ['restricted', 'restricted' as const, { runAsNonRoot: false }],
  ])(
    'a namespace the cluster baseline applies enforces Pod Security %s: a pod above it is refused',
    async (level, podSecurity, securityContext) => {
      // Prepare: the baseline adapter applies the spec's namespace to the sandbox cluster, as provisioning does.
      const { controlPlane } = testStack();
      const baseline = new KubeClusterBaseline(
        new KubeClientFactory({
          connect: async () => ({
            server: controlPlane.server,
            caData: controlPlane.caData,
            token: controlPlane.token,
          }),
        }),
      );
      const name = uniqueName('team-psa');
      await baseline.applyNamespace('sandbox', { name, labels: {}, networkPolicy: 'none', podSecurity });

      // Act
      const attempt = kube().core.createNamespacedPod({
        namespace: name,
        body: {
          metadata: { name: 'root' },
          spec: { containers: [{ name: 'x', image: GOOD_IMAGE, securityContext }] },
        },
      });

      // Assess
      await expect(attempt).rejects.toMatchObject({
        code: 403,
        body: expect.stringMatching(new RegExp(`violates PodSecurity \\W*${level}:latest`)),
      });
      const namespace = await kube().core.readNamespace({ name });
      expect(namespace.metadata?.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': level });
      await kube().core.deleteNamespace({ name });
    },
  );
});
