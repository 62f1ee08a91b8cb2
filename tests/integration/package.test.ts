import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  functionsWithoutOwnRole,
  policyStatements,
  sharedRoles,
  unboundedPassRoles,
  wildcardActions,
  routesWithoutAuthorization,
} from '../helpers/template-policy';

import { DEFAULT_ACCESS_POLICY_FILE } from '../../shared/config';

const root = path.resolve(__dirname, '../..');

/** `npm run package` builds the deployable artifact offline: no AWS account, no network. */
describe('serverless package', () => {
  let template: { Resources: Record<string, { Type: string; Properties?: any }> };
  let outDir: string;

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-package-'));
    await promisify(execFile)(
      path.join(root, 'node_modules/.bin/sls'),
      ['package', '--stage', 'dev', '--package', outDir],
      {
        cwd: root,
        env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_ENDPOINT_URL: '' },
        timeout: 120000,
      },
    );
    template = JSON.parse(readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  }, 150000);

  const ofType = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);

  it('has every HTTP API route', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual([
      'DELETE /clusters/{name}',
      'DELETE /clusters/{name}/nodegroups/{ng}/policies/{policy}',
      'DELETE /clusters/{name}/nodegroups/{ng}/schedules/{schedule}',
      'GET /clusters',
      'GET /clusters/{name}',
      'GET /clusters/{name}/nodegroups',
      'GET /clusters/{name}/nodegroups/{ng}',
      'GET /clusters/{name}/nodegroups/{ng}/policies',
      'GET /clusters/{name}/nodegroups/{ng}/schedules',
      'GET /doctor',
      'GET /health',
      'GET /health/deep',
      'GET /operations/{id}',
      'GET /rollouts',
      'GET /rollouts/{id}',
      'GET /rollouts/{id}/live',
      'POST /clusters',
      'POST /clusters/{name}/nodegroups/{ng}/policies',
      'POST /clusters/{name}/nodegroups/{ng}/scale',
      'POST /clusters/{name}/nodegroups/{ng}/schedules',
      'POST /operations/{id}/retry',
      'POST /rollouts',
      'POST /rollouts/{id}/abort',
      'POST /rollouts/{id}/promote',
    ]);
  });

  it('authorizes every route but GET /health with AWS IAM (SigV4)', () => {
    // Assess: one rule, shared with the unit-tested template policy
    expect(ofType('AWS::ApiGatewayV2::Route').some((r) => r.Properties?.RouteKey === 'GET /health')).toBe(true);
    expect(routesWithoutAuthorization(template)).toEqual([]);
  });

  it('has the CloudWatch alarm rule and the schedule', () => {
    const rules = ofType('AWS::Events::Rule').map((r) => r.Properties);
    expect(rules.some((p) => p.EventPattern?.['detail-type']?.includes('CloudWatch Alarm State Change'))).toBe(true);
    expect(rules.some((p) => /^rate\(/.test(p.ScheduleExpression ?? ''))).toBe(true);
  });

  it('has both state machines and one bundle per function on nodejs22.x', () => {
    const machines = ofType('AWS::StepFunctions::StateMachine').map((r) => r.Properties.StateMachineName);
    expect(machines).toEqual(expect.arrayContaining(['eksflow-dev-provision-cluster', 'eksflow-dev-rollout']));
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.every((f) => f.Properties.Runtime === 'nodejs22.x')).toBe(true);
    const zips = readdirSync(outDir).filter((f) => f.endsWith('.zip'));
    expect(zips.length).toBe(functions.length);
  });

  it("maps every function that reads pods and nodes to the scaling group, in the provisioning steps' settings", () => {
    // Prepare: the ARNs joined into EKSFLOW_SCALING_PRINCIPAL_ARNS, as the roles they name
    const steps = ofType('AWS::Lambda::Function').filter((f) =>
      String(f.Properties.FunctionName).endsWith('-provisionApplyAccess'),
    );
    const joined = steps[0]?.Properties.Environment?.Variables?.EKSFLOW_SCALING_PRINCIPAL_ARNS;

    // Assess
    const roles = (joined?.['Fn::Join']?.[1] ?? []).map((part: { 'Fn::GetAtt': string[] }) => part['Fn::GetAtt'][0]);
    expect(roles.sort()).toEqual(
      [
        'AlarmStateChangeRole',
        'ApiRole',
        'ScaleApplyRole',
        'ScaleCompleteRole',
        'ScaleFailRole',
        'ScalingSweepRole',
        'ScheduledScaleRole',
      ].sort(),
    );
  });

  it('ships the access policy inside the API function, where the default EKSFLOW_ACCESS_POLICY_FILE points', async () => {
    // Prepare
    const apiZip = readdirSync(outDir).find((f) => /^api\.zip$|-api\.zip$/.test(f));
    expect(apiZip).toBeDefined();

    // Act
    const { stdout } = await promisify(execFile)('unzip', ['-Z1', path.join(outDir, apiZip!)]);

    // Assess
    expect(stdout.split('\n')).toContain(DEFAULT_ACCESS_POLICY_FILE);
  });

  it('keeps failed alarm events: a dead-letter queue for the function and the rule, an on-failure destination, retry settings', () => {
    // Prepare
    const queues = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    const [queueId] = queues.find(([id]) => /AlarmEvents/.test(id)) ?? [];
    const queueArn = { 'Fn::GetAtt': [queueId, 'Arn'] };
    const alarmFunction = ofType('AWS::Lambda::Function').find((f) =>
      String(f.Properties.Handler).includes('alarm-state-change'),
    );
    const invokeConfig = ofType('AWS::Lambda::EventInvokeConfig')[0]?.Properties;
    const rule = ofType('AWS::Events::Rule').find((r) =>
      r.Properties.EventPattern?.['detail-type']?.includes('CloudWatch Alarm State Change'),
    );
    const roleId = alarmFunction?.Properties.Role['Fn::GetAtt'][0];
    const statements = policyStatements(template)
      .filter((s) => s.role === roleId)
      .map((s) => s.statement);
    const queuePolicy = ofType('AWS::SQS::QueuePolicy')[0]?.Properties;

    // Assess
    expect(queueId).toBeDefined();
    expect(alarmFunction?.Properties.DeadLetterConfig).toEqual({ TargetArn: queueArn });
    expect(invokeConfig).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
    expect(rule?.Properties.Targets[0]).toMatchObject({
      DeadLetterConfig: { Arn: queueArn },
      RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
    });
    // Least privilege: the function's role may send to this queue only; EventBridge only for the alarm rule.
    const sqsStatements = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('sqs:')));
    expect(sqsStatements.length).toBeGreaterThan(0);
    for (const s of sqsStatements) {
      expect([s.Action].flat()).toEqual(['sqs:SendMessage']);
      expect([s.Resource].flat()).toEqual([queueArn]);
    }
    expect(queuePolicy.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': expect.anything() } },
      }),
    ]);
  });

  /** Unzips one function's package and runs `script` in a fresh Node beside its bundle; returns stdout. */
  async function runBeside(zipName: string, script: string, env: Record<string, string> = {}): Promise<string> {
    return (await runBesideWithStderr(zipName, script, env)).stdout;
  }

  async function runBesideWithStderr(zipName: string, script: string, env: Record<string, string> = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `eksflow-bundle-${zipName}-`));
    try {
      await promisify(execFile)('unzip', ['-q', path.join(outDir, `${zipName}.zip`), '-d', dir]);
      return await promisify(execFile)(process.execPath, ['-e', script], {
        cwd: dir,
        timeout: 30000,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          EKSFLOW_TABLE: 'eksflow-test',
          EKSFLOW_STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:123456789012:stateMachine:eksflow-dev-',
          LOG_LEVEL: 'silent',
          ...env,
        },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  describe('minified bundles, without the parts of dependencies eksflow never runs (issue 8, item 8)', () => {
    it("answers a bad request from the API bundle with zod's English messages (the only locale bundled)", async () => {
      // Prepare
      const event = {
        version: '2.0',
        routeKey: 'POST /rollouts',
        rawPath: '/rollouts',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cluster: 5, namespace: 'web', deployment: 'web', canary: { steps: [] } }),
        isBase64Encoded: false,
        requestContext: {
          http: { method: 'POST', path: '/rollouts' },
          authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/admin', accountId: '123456789012' } },
        },
      };

      // Act
      const stdout = await runBeside(
        'api',
        `require('./functions/api/handler.js').main(${JSON.stringify(event)}, {}).then((r) => console.log(JSON.stringify(r)))`,
      );

      // Assess
      const response = JSON.parse(stdout);
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).error.details).toContainEqual({
        field: 'cluster',
        reason: 'Invalid input: expected string, received number',
      });
    });

    it('loads client-node on demand in the provisioning bundle and classifies a refused connection as transient', async () => {
      // Prepare: a cluster whose API server refuses connections
      const overrides = { c1: { server: 'http://127.0.0.1:1', token: 'unused' } };

      // Act
      const stdout = await runBeside(
        'provisionApplyBaseline',
        `require('./functions/tasks/provision-cluster.js').applyBaseline({ spec: { name: 'c1', namespaces: ['web'] }, operationId: 'op-1' }, {})
          .then(() => console.log('resolved'), (e) => console.log(JSON.stringify({ name: e.name, message: e.message })))`,
        { EKSFLOW_KUBE_OVERRIDES: JSON.stringify(overrides) },
      );

      // Assess: the task's error name is what the workflow's Retry matches, after minification too
      const error = JSON.parse(stdout);
      expect(error.name).toBe('TransientError');
      expect(error.message).toContain('ECONNREFUSED');
    });
  });

  describe('cold start: modules required on first use, source maps read only for a logged error (issue 8, item 8)', () => {
    it('puts client-node and the access policy loader in files of their own beside the bundle, not in it', async () => {
      // Prepare
      const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-bundle-files-'));
      try {
        await promisify(execFile)('unzip', ['-q', path.join(outDir, 'rolloutReconcile.zip'), '-d', dir]);
        const read = (file: string) => readFileSync(path.join(dir, 'functions/tasks', file), 'utf8');

        // Act
        const bundle = read('rollout.js');
        const clientNode = read('rollout.client-node.js');
        const policyLoader = read('rollout.access-policy-file.js');

        // Assess: client-node's generated API (a path template) and the policy's schema are only in their own files
        const has = (text: string, marker: string) => text.includes(marker);
        const appsPath = '/apis/apps/v1/namespaces/{namespace}/deployments';
        expect([has(clientNode, appsPath), has(bundle, appsPath)]).toEqual([true, false]);
        expect([has(policyLoader, 'allowPodFields'), has(bundle, 'allowPodFields')]).toEqual([true, false]);
        expect(has(bundle, 'require("./rollout.client-node.js")')).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('runs without NODE_OPTIONS=--enable-source-maps, and logs a failed task with its stack in the TypeScript sources', async () => {
      // Prepare: a cluster whose API server refuses connections; the task logs its failure at WARN
      const overrides = { c1: { server: 'http://127.0.0.1:1', token: 'unused' } };
      const nodeOptions = ofType('AWS::Lambda::Function').map((f) => f.Properties.Environment?.Variables?.NODE_OPTIONS);

      // Act
      const { stderr } = await runBesideWithStderr(
        'provisionApplyBaseline',
        `require('./functions/tasks/provision-cluster.js').applyBaseline({ spec: { name: 'c1', namespaces: ['web'] }, operationId: 'op-1' }, {})
          .catch(() => undefined)`,
        { EKSFLOW_KUBE_OVERRIDES: JSON.stringify(overrides), LOG_LEVEL: 'warn' },
      );

      // Assess
      expect(nodeOptions.every((o) => o === undefined || !o.includes('--enable-source-maps'))).toBe(true);
      const line = stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find((l) => l.message === 'task failed');
      expect(line).toMatchObject({ level: 'WARN', correlation_id: 'op-1', error: { name: 'TransientError' } });
      expect(line.error.stack).toMatch(/shared\/adapters\/kube\/[\w-]+\.ts:\d+:\d+/);
      expect(line.error.stack).not.toMatch(/provision-cluster\.js:1:\d+/);
    });
  });

  describe('deploy commands (README "Deploy")', () => {
    it('packages offline for the stage and region given to `npm run package --`', async () => {
      // Prepare
      const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-package-prod-'));
      try {
        // Act
        await promisify(execFile)(
          'npm',
          ['run', 'package', '--', '--stage', 'prod', '--region', 'eu-west-1', '--package', dir],
          {
            cwd: root,
            env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_ENDPOINT_URL: '' },
            timeout: 120000,
          },
        );

        // Assess
        const prod = JSON.parse(readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
        const resources = Object.values<{ Type: string; Properties?: any }>(prod.Resources);
        const named = (type: string, key: string) =>
          resources.filter((r) => r.Type === type).map((r) => r.Properties[key]);
        expect(named('AWS::DynamoDB::Table', 'TableName')).toEqual(['eksflow-prod']);
        expect(named('AWS::StepFunctions::StateMachine', 'StateMachineName')).toContain('eksflow-prod-rollout');
        expect(named('AWS::IAM::Role', 'RoleName')).toContain('eksflow-prod-eu-west-1-api');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 150000);

    it('deploys with osls, passing the stage and region on: no stage or region fixed in the script', () => {
      // Prepare
      const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;

      // Assess: npm appends what follows `--` (`npm run deploy -- --stage X --region Y`); osls refuses a repeated flag
      expect(scripts.deploy).toBe('sls deploy');
      expect(scripts.package).toBe('sls package');
    });
  });

  describe('least privilege (issue 8, item 4)', () => {
    it('gives every function a role of its own, shared with no other function', () => {
      expect(functionsWithoutOwnRole(template)).toEqual([]);
      expect(sharedRoles(template)).toEqual([]);
    });

    it('has no wildcard action in any statement', () => {
      expect(policyStatements(template).length).toBeGreaterThan(0);
      expect(wildcardActions(template)).toEqual([]);
    });

    it('passes only the cluster and node roles to EKS (from the functions that create them) and the scheduler role to EventBridge Scheduler (from the API)', () => {
      // Prepare
      const passRoles = policyStatements(template).filter((s) => [s.statement.Action].flat().includes('iam:PassRole'));

      // Assess
      expect(unboundedPassRoles(template)).toEqual([]);
      expect(passRoles.map((s) => s.role)).toEqual([
        'ProvisionRequestControlPlaneRole',
        'ProvisionEnsureComponentRole',
        'ApiScalingPolicy',
      ]);
      expect(JSON.stringify(passRoles[0].statement.Resource)).toContain(':role/eksflow-dev-eks-cluster');
      expect(JSON.stringify(passRoles[1].statement.Resource)).toContain(':role/eksflow-dev-eks-node');
      expect(passRoles[2].statement.Resource).toEqual({ 'Fn::GetAtt': ['SchedulerInvokeRole', 'Arn'] });
      expect(JSON.stringify(passRoles[2].statement.Condition)).toContain('scheduler.amazonaws.com');
    });

    it('publishes events only on the bus and starts or stops only eksflow state machines and their executions', () => {
      // Prepare
      const withPrefix = (prefix: string) =>
        policyStatements(template).filter((s) => [s.statement.Action].flat().some((a) => a?.startsWith(prefix)));
      const resourceText = (s: { statement: { Resource?: unknown } }) => JSON.stringify(s.statement.Resource);

      // Assess
      const events = withPrefix('events:');
      expect(events.length).toBeGreaterThan(0);
      for (const s of events) expect(resourceText(s)).toContain(':event-bus/default');
      const states = withPrefix('states:');
      expect(states.length).toBeGreaterThan(0);
      for (const s of states)
        expect(resourceText(s)).toMatch(
          /:(stateMachine|execution):eksflow-dev-(rollout|provision-cluster|delete-cluster|scale-nodegroup)/,
        );
    });

    it('lets each state machine invoke only its own task functions', () => {
      // Prepare
      const machineRoles = policyStatements(template).filter((s) => /StateMachineRole$/.test(s.role));

      // Assess
      expect(machineRoles.length).toBe(4);
      for (const s of machineRoles) {
        expect([s.statement.Action].flat()).toEqual(['lambda:InvokeFunction']);
        const prefix = ['Rollout', 'DeleteCluster', 'Scale'].find((p) => s.role.startsWith(p)) ?? 'Provision';
        expect(
          JSON.stringify(s.statement.Resource)
            .match(/"(\w+)LambdaFunction"/g)
            ?.every((f) => f.startsWith(`"${prefix}`)),
        ).toBe(true);
      }
    });
  });
});
