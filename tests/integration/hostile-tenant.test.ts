/**
 * Issue 16 items 4–7 and 8's schedule conflict, played as a hostile tenant would through the sandbox's HTTP API:
 * the restricted identity (`team-developer`, limited by the policy file named by EKSFLOW_ACCESS_POLICY_FILE to
 * `team-*` namespaces on cluster `sandbox` and images under registry.example.com/team/), and, where the tenant
 * replays what it captured, an admin's signed request. Each attempt gets a 4xx naming the field and changes nothing.
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
import { signedHeaders } from '../../cli/http/sigv4';
import { REPO_ROOT } from '../../local/runtime';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import { deployedScheduleName } from '../../shared/adapters/aws/eventbridge-scheduler';
import { functionRoles, packagedTemplate } from '../../tools/aws-gate/packaged-roles';
import { createNodegroup, emulatorNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import { type App, createApp, deployment, waitForRollout } from '../helpers/rollout-fixtures';
import {
  api,
  awsClientConfig,
  eventually,
  stackFetch,
  startTestRuntime,
  type TestRuntime,
  testStack,
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
    scheduleGroup = schedulerEnv.EKSFLOW_SCHEDULER_GROUP;
    await new SchedulerClient(awsClientConfig())
      .send(new CreateScheduleGroupCommand({ Name: scheduleGroup }))
      .catch((error) => (error.name === 'ConflictException' ? undefined : Promise.reject(error)));
    await new SQSClient(awsClientConfig()).send(
      new CreateQueueCommand({ QueueName: schedulerEnv.EKSFLOW_SCHEDULER_DLQ_ARN.split(':').pop() }),
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
