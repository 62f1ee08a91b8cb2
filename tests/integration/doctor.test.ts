import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient, DeleteAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { SANDBOX_ADMIN, SANDBOX_RESTRICTED } from '../../local/sandbox/identities';
import type { FunctionRole } from '../../tools/aws-gate/packaged-roles';
import { cliSandbox, eksflow } from '../helpers/cli-harness';
import { deleteClustersMade, track } from '../helpers/cluster-fixtures';
import { createTestCluster } from '../helpers/clusters';
import { createNodegroup } from '../helpers/nodegroups';
import { createAlarm } from '../helpers/rollout-fixtures';
import {
  api,
  apiAs,
  awsClientConfig,
  startTestRuntime,
  type TestRuntime,
  testRuntimeConfig,
  uniqueName,
} from '../helpers/stack';

/**
 * Issue 15 parts 5 and 6 on the real stack: `eksflow doctor` (a client of GET /doctor) and the scaling
 * routes' managed-clusters-only boundary. One cluster made directly on the emulator, as someone else's
 * cluster would be: not tagged eksflow:managed, no access entry for eksflow.
 */
/** `eksflow doctor` on the sandbox cluster, served by a runtime on `table` whose API role lacks cloudwatch:DescribeAlarms. */
async function doctorWithoutDescribeAlarms(table: string) {
  const withoutGrant = (roles: FunctionRole[]) =>
    roles.map((role) =>
      role.functionName !== 'api'
        ? role
        : {
            ...role,
            policies: role.policies.map((p) => ({
              ...p,
              document: {
                ...p.document,
                Statement: ([p.document.Statement].flat() as { Action?: unknown }[]).filter(
                  (s) => ![s.Action].flat().includes('cloudwatch:DescribeAlarms'),
                ),
              },
            })),
          },
    );
  const mutated = await startTestRuntime({ table, mutateRoles: withoutGrant });
  try {
    return await eksflow(['doctor', '--cluster', 'sandbox'], cliSandbox(mutated));
  } finally {
    await mutated.close();
  }
}

describe('eksflow doctor and clusters eksflow does not manage', () => {
  let runtime: TestRuntime;
  const theirs = track(uniqueName('theirs'));
  beforeAll(async () => {
    runtime = await startTestRuntime();
    await createTestCluster(theirs);
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    await deleteClustersMade();
  });

  describe('eksflow doctor', () => {
    it('passes every check on the sandbox cluster and exits 0', async () => {
      // Act
      const run = await eksflow(['doctor', '--cluster', 'sandbox'], cliSandbox(runtime));

      // Assess
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines.map((l) => l.split(/\s+/).slice(0, 3))).toEqual(
        ['describe-cluster', 'endpoint-reach', 'token', 'access-entry', 'kube-verbs', 'alarms'].map((check) => [
          'sandbox',
          'ok',
          check,
        ]),
      );
    });

    it('exits 1 on a cluster without an access entry for eksflow, naming the entry and its fix', async () => {
      // Prepare: functions reaching clusters with EKS tokens (no configured token), as deployed.
      const config = await testRuntimeConfig();
      const deployedLike: LocalRuntime = await startLocalRuntime({ config: { ...config, kubeOverrides: {} } });
      try {
        // Act
        const run = await eksflow(['doctor', '--cluster', theirs], cliSandbox(deployedLike));

        // Assess
        expect(run.code).toBe(1);
        expect(run.stdout).toMatch(
          new RegExp(`${theirs}\\s+FAIL\\s+access-entry\\s+no access entry for \\S+ on ${theirs}`),
        );
        expect(run.stdout).toContain(`fix: aws eks create-access-entry --cluster-name ${theirs}`);
        // Every role that calls Kubernetes needs its own entry: the rollout tasks' and the scaling functions' too.
        expect(run.stdout).toMatch(
          /nor for .*role\/eksflow-dev-us-east-1-rolloutReconcile.*eksflow-dev-us-east-1-scaleApply/,
        );
        expect(run.stdout).toMatch(
          /--principal-arn \S+role\/eksflow-dev-us-east-1-scaleApply --kubernetes-groups eksflow-scaling/,
        );
      } finally {
        await deployedLike.close();
      }
    });

    it("reads the guarding alarms as the API role: passes while a policy's alarm exists, names it once it is gone", async () => {
      // Prepare: a scaling policy on a node group of the sandbox cluster, bound to a real alarm.
      const ng = await createNodegroup();
      const alarm = await createAlarm('OK');
      const policies = `/clusters/${ng.cluster}/nodegroups/${ng.name}/policies`;
      const created = await api(runtime, 'POST', policies, {
        name: 'up',
        alarm,
        adjustment: { type: 'change', value: 1 },
        cooldownSeconds: 60,
      });
      expect(created.status).toBe(201);
      try {
        // Act
        const present = await eksflow(['doctor', '--cluster', 'sandbox'], cliSandbox(runtime));
        const unreadable = await doctorWithoutDescribeAlarms(runtime.container.config.tableName);
        await new CloudWatchClient(awsClientConfig()).send(new DeleteAlarmsCommand({ AlarmNames: [alarm] }));
        const gone = await eksflow(['doctor', '--cluster', 'sandbox'], cliSandbox(runtime));

        // Assess
        expect(present.stdout).toMatch(/sandbox\s+ok\s+alarms\s+1 guarding alarms readable/);
        expect(present.code).toBe(0);
        // The check reads as the API role through the gate: without its grant, the line names the action.
        expect(unreadable.code).toBe(1);
        expect(unreadable.stdout).toMatch(
          /sandbox\s+FAIL\s+alarms\s+DescribeAlarms failed: .*not authorized to perform: cloudwatch:DescribeAlarms/,
        );
        expect(gone.code).toBe(1);
        expect(gone.stdout).toMatch(new RegExp(`sandbox\\s+FAIL\\s+alarms\\s+CloudWatch has no alarm named ${alarm}`));
      } finally {
        // The sandbox cluster's other doctor checks must pass again.
        expect((await api(runtime, 'DELETE', `${policies}/up`)).status).toBe(204);
      }
    });

    it('answers GET /doctor only to a signed caller with a cluster-wide read grant', async () => {
      // Act
      const unsigned = await api(runtime, 'GET', '/doctor?cluster=sandbox', undefined, { as: 'unsigned' });
      const restricted = await apiAs(SANDBOX_RESTRICTED.principalArn, runtime, 'GET', '/doctor?cluster=sandbox');
      const empty = await api(runtime, 'GET', '/doctor?cluster=');

      // Assess
      expect(unsigned.status).toBe(401);
      expect(restricted.status).toBe(403);
      expect(restricted.body.error.message).toMatch(/read on sandbox/);
      expect(empty).toMatchObject({ status: 400, body: { error: { details: [{ field: 'cluster' }] } } });
    });
  });

  describe('scaling routes', () => {
    const body = { desiredSize: 2 };
    const routes = (cluster: string) =>
      [
        ['scale', 'POST', `/clusters/${cluster}/nodegroups/general/scale`, body],
        [
          'create schedule',
          'POST',
          `/clusters/${cluster}/nodegroups/general/schedules`,
          { name: 'night', schedule: 'cron(0 20 * * ? *)', desiredSize: 1 },
        ],
        [
          'create policy',
          'POST',
          `/clusters/${cluster}/nodegroups/general/policies`,
          { name: 'up', alarm: 'cpu-high', adjustment: { type: 'change', value: 1 }, cooldownSeconds: 60 },
        ],
      ] as const;

    it.each(routes(theirs))(
      'refuse %s on a cluster eksflow does not manage with a 403 naming the action and the cluster, starting nothing',
      async (action, method, route, request) => {
        // Prepare
        const runsBefore = runtime.engine.list().length;

        // Act
        const answer = await api(runtime, method, route, request);

        // Assess
        expect(answer.status).toBe(403);
        expect(answer.body.error.message).toMatch(new RegExp(`^${action} on ${theirs} refused`));
        expect(runtime.engine.list().length).toBe(runsBefore);
      },
    );

    it('act on such a cluster when a statement granting scale names it exactly', async () => {
      // Prepare: the admin's wildcard grant, and a statement naming the cluster.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-policy-'));
      const policyFile = path.join(dir, 'access-policy.yaml');
      writeFileSync(
        policyFile,
        [
          'statements:',
          `  - {sid: admin, principals: ["${SANDBOX_ADMIN.principalArn}"], clusters: ["*"], namespaces: ["*"], actions: [read, scale]}`,
          `  - {sid: named, principals: ["${SANDBOX_ADMIN.principalArn}"], clusters: [${theirs}], namespaces: ["*"], actions: [scale]}`,
          '',
        ].join('\n'),
      );
      const named = await startTestRuntime({ env: { EKSFLOW_ACCESS_POLICY_FILE: policyFile } });
      try {
        // Act
        const answer = await api(named, 'POST', `/clusters/${theirs}/nodegroups/general/scale`, body);

        // Assess: past the boundary, to the node group (the cluster has none).
        expect(answer.status).toBe(404);
        expect(answer.body.error.details).toEqual([expect.objectContaining({ field: 'nodegroup' })]);
      } finally {
        await named.close();
      }
    });
  });
});
