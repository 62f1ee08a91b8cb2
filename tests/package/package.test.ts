import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_ACCESS_POLICY_FILE } from '../../core/config';
import { ON_FIRST_USE } from '../../deploy/esbuild/on-first-use.cjs';
import { areas } from '../../functions/api/handler';
import { openApiDocument } from '../../functions/api/openapi';
import { PACKAGE_PARAMETERS, packagedArtifact, TEMPLATE_FILE } from '../../tools/aws-gate/packaged-artifact';
import { implementedRoutes } from '../helpers/api-routes';
import { defined } from '../helpers/defined';
import {
  functionsWithoutOwnRole,
  policyStatements,
  routesWithoutAuthorization,
  sharedRoles,
  unboundedPassRoles,
  wildcardActions,
} from '../helpers/template-policy';

const root = path.resolve(__dirname, '../..');

/** Deploy parameters (README "Deploy"): read when packaging; the VPC and its subnets are required. */
const DEPLOY_PARAMETERS = PACKAGE_PARAMETERS;
/** No existing cluster or node role named: the stack creates both. */
const { EKSFLOW_CLUSTER_ROLE_NAME: _cluster, EKSFLOW_NODE_ROLE_NAME: _node, ...inherited } = process.env;
const packagingEnv = {
  ...inherited,
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_ENDPOINT_URL: '',
  ...DEPLOY_PARAMETERS,
};

/** The functions that call a cluster's Kubernetes API: they run in the VPC. */
const KUBERNETES_CALLERS = [
  'alarmStateChange',
  'api',
  'deleteClusterStep',
  'provisionApplyBaseline',
  'provisionRollback',
  'rolloutFail',
  'rolloutReconcile',
  'scaleApply',
  'scaleComplete',
  'scaleFail',
  'scheduledScale',
  'scheduledSweep',
  'scalingSweep',
];

/** `npm run package` builds the deployable artifact offline: no AWS account, no network. */
describe('serverless package', () => {
  let template: { Resources: Record<string, { Type: string; Properties?: any }> };
  let outDir: string;

  beforeAll(async () => {
    // The one package of the current sources (packaged-artifact.ts): the one lint:template checked, packaged
    // offline with DEPLOY_PARAMETERS for stage dev, or packaged now if the sources changed since.
    outDir = await packagedArtifact(root);
    template = JSON.parse(readFileSync(path.join(outDir, TEMPLATE_FILE), 'utf8'));
  }, 300000);

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
      'GET /openapi.json',
      'GET /operations/{id}',
      'GET /rollouts',
      'GET /rollouts/{id}',
      'GET /rollouts/{id}/history',
      'GET /rollouts/{id}/live',
      'POST /clusters',
      'POST /clusters/{name}/nodegroups/{ng}/policies',
      'POST /clusters/{name}/nodegroups/{ng}/scale',
      'POST /clusters/{name}/nodegroups/{ng}/schedules',
      'POST /operations/{id}/retry',
      'POST /rollouts',
      'POST /rollouts/{id}/abort',
      'POST /rollouts/{id}/promote',
      'POST /rollouts/{id}/retry',
    ]);
  });

  it('has exactly the routes the OpenAPI document describes (docs/openapi.json)', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey);
    const documented = Object.entries(openApiDocument().paths as Record<string, object>).flatMap(([p, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${p}`),
    );
    expect(documented.sort()).toEqual(routes.sort());
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

  it('writes the access policy from the admin principals given when packaging, and ships no sandbox policy', async () => {
    // Prepare
    const api = ofType('AWS::Lambda::Function').find((f) => String(f.Properties.FunctionName).endsWith('-api'));
    const apiZip = readdirSync(outDir).find((f) => /^api\.zip$|-api\.zip$/.test(f));

    // Act
    const policy = JSON.parse(api?.Properties.Environment.Variables.EKSFLOW_ACCESS_POLICY);
    const { stdout } = await promisify(execFile)('unzip', ['-Z1', path.join(outDir, defined(apiZip, 'apiZip'))]);

    // Assess
    expect(policy.statements).toEqual([
      expect.objectContaining({ principals: [DEPLOY_PARAMETERS.EKSFLOW_ADMIN_PRINCIPAL_ARNS], clusters: ['*'] }),
    ]);
    expect(stdout.split('\n')).not.toContain(DEFAULT_ACCESS_POLICY_FILE);
  });

  it('keeps failed alarm events once, in one queue: the on-failure destination and the rule, retry settings', () => {
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
    // No Lambda DLQ beside the destination: a failure would land twice.
    expect(alarmFunction?.Properties.DeadLetterConfig).toBeUndefined();
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
        `require('./functions/tasks/provision-cluster/apply-baseline.js').main({ spec: { name: 'c1', namespaces: ['web'] }, operationId: 'op-1' }, {})
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
    /** The API's package, unzipped once for the tests that read its files. */
    let apiDir: string;
    const read = (file: string) => readFileSync(path.join(apiDir, 'functions/api', file), 'utf8');
    const has = (text: string, marker: string) => text.includes(marker);
    /** The API's files that require `file` (from beside it). */
    const requiredBy = (file: string) =>
      readdirSync(path.join(apiDir, 'functions/api')).filter(
        (f) => f.endsWith('.js') && has(read(f), `require("./${file}")`),
      );

    beforeAll(async () => {
      apiDir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-bundle-files-'));
      await promisify(execFile)('unzip', ['-q', path.join(outDir, 'api.zip'), '-d', apiDir]);
    });
    afterAll(() => rmSync(apiDir, { recursive: true, force: true }));

    it('puts client-node and the access policy loader in files of their own beside the bundle, not in it', () => {
      // Act: the API's package (the one function that reads the access policy)
      const bundle = read('handler.js');
      const clientNode = read('handler.client-node.js');
      const policyLoader = read('handler.access-policy-file.js');

      // Assess: client-node's generated API (a path template) and the policy loader (its error message) are only in
      // their own files (the API's bundle has the policy's types and checks, which name its fields, but not the loader)
      const appsPath = '/apis/apps/v1/namespaces/{namespace}/deployments';
      const loaderMessage = 'access policy is invalid';
      expect([has(clientNode, appsPath), has(bundle, appsPath)]).toEqual([true, false]);
      expect([has(policyLoader, loaderMessage), has(bundle, loaderMessage)]).toEqual([true, false]);
      // Required by the areas that use them (each area is itself a file beside the bundle, required on first use)
      expect(requiredBy('handler.client-node.js')).toContain('handler.rollout-routes.js');
      expect(requiredBy('handler.access-policy-file.js')).toContain('handler.rollout-routes.js');
    });

    it("puts the API's schedule-expression parser and its Scheduler and STS adapters in files of their own, which load alone", async () => {
      // Prepare: the API's package (only its schedule routes and doctor use these)
      const bundle = read('handler.js');

      // Act: each file's own marker (a message, a call's or a command's name), in it and not in the bundle
      const found = Object.fromEntries(
        (
          [
            ['schedule-expression', 'a rate must be a positive whole number'],
            ['eventbridge-scheduler', 'Scheduler CreateSchedule'],
            ['sts-caller-identity', 'GetCallerIdentityCommand'],
          ] as const
        ).map(([name, marker]) => [
          name,
          {
            inOwnFile: has(read(`handler.${name}.js`), marker),
            inBundle: has(bundle, marker),
            requiredBy: requiredBy(`handler.${name}.js`),
          },
        ]),
      );
      const parsed = await runBeside(
        'api',
        `console.log(JSON.stringify(require('./functions/api/handler.schedule-expression.js').parseScheduleExpression('cron(0 8 ? * MON-FRI *)')))`,
      );

      // Assess: required by the schedule routes' area (scaling) and doctor's (health)
      const expected = (area: string) => ({
        inOwnFile: true,
        inBundle: false,
        requiredBy: expect.arrayContaining([area]),
      });
      expect(found).toEqual({
        'schedule-expression': expected('handler.scaling-routes.js'),
        'eventbridge-scheduler': expected('handler.scaling-routes.js'),
        'sts-caller-identity': expected('handler.health-routes.js'),
      });
      expect(JSON.parse(parsed)).toMatchObject({ ok: true });
    });

    it("loads the API's router alone at a cold start: each area in a file of its own, required on the first request for it", async () => {
      // Prepare: the API's package, and its areas' files (deploy/esbuild/on-first-use.cjs)
      const bundle = read('handler.js');
      const areaFiles = ON_FIRST_USE.filter(({ module }) => module.includes('/functions/api/areas/')).map(
        ({ module }) => `handler.${path.basename(module, '.ts')}.js`,
      );

      // Act: who requires each area's file, which routes have their key in the bundle, and a first request
      const found = areaFiles.map((file) => ({ file, requiredBy: requiredBy(file) }));
      const keysInBundle = implementedRoutes().filter(({ routeKey }) => has(bundle, `"${routeKey}"`));
      const liveness = await runBeside(
        'api',
        `require('./functions/api/handler.js').main({ version: '2.0', routeKey: 'GET /health', rawPath: '/health', headers: {}, isBase64Encoded: false, requestContext: {} }, {}).then((r) => console.log(JSON.stringify(r)))`,
      );

      // Assess
      expect(areaFiles).toHaveLength(Object.keys(areas).length);
      expect(found).toEqual(areaFiles.map((file) => ({ file, requiredBy: ['handler.js'] })));
      expect(keysInBundle).toEqual([]);
      expect(JSON.parse(liveness)).toMatchObject({ statusCode: 200 });
    });

    it('runs without NODE_OPTIONS=--enable-source-maps, and logs a failed task with its stack in the TypeScript sources', async () => {
      // Prepare: a cluster whose API server refuses connections; the task logs its failure at WARN
      const overrides = { c1: { server: 'http://127.0.0.1:1', token: 'unused' } };
      const nodeOptions = ofType('AWS::Lambda::Function').map((f) => f.Properties.Environment?.Variables?.NODE_OPTIONS);

      // Act
      const { stderr } = await runBesideWithStderr(
        'provisionApplyBaseline',
        `require('./functions/tasks/provision-cluster/apply-baseline.js').main({ spec: { name: 'c1', namespaces: ['web'] }, operationId: 'op-1' }, {})
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
      expect(line.error.stack).toMatch(/core\/adapters\/kube\/[\w-]+\.ts:\d+:\d+/);
      expect(line.error.stack).not.toMatch(/provision-cluster\.js:1:\d+/);
    });
  });

  describe('deploy commands (README "Deploy")', () => {
    it("names the stack's resources for the stage and region given on the command line (`npm run package --`)", async () => {
      // Act: the configuration `sls package` compiles, resolved for another stage and region. Printed rather than
      // packaged: a second package of 23 bundles cost ~40 s of CPU for three names (every other test here reads the
      // one package, whose compiled template the framework builds from this same configuration).
      const { stdout } = await promisify(execFile)(
        path.join(root, 'node_modules/.bin/sls'),
        ['print', '--stage', 'prod', '--region', 'eu-west-1', '--format', 'json'],
        { cwd: root, env: packagingEnv, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      );

      // Assess
      const prod = JSON.parse(stdout);
      const resources = Object.values<{ Type: string; Properties?: any }>(prod.resources.Resources);
      const named = (type: string, key: string) =>
        resources.filter((r) => r.Type === type).map((r) => r.Properties[key]);
      expect(named('AWS::DynamoDB::Table', 'TableName')).toEqual(['eksflow-prod']);
      expect(Object.values<{ name: string }>(prod.stepFunctions.stateMachines).map((m) => m.name)).toContain(
        'eksflow-prod-rollout',
      );
      expect(named('AWS::IAM::Role', 'RoleName')).toContain('eksflow-prod-eu-west-1-api');
    }, 150_000);

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
        'ApiRole',
        'ProvisionRequestControlPlaneRole',
        'ProvisionEnsureComponentRole',
      ]);
      expect(passRoles[0]?.statement.Resource).toEqual({ 'Fn::GetAtt': ['SchedulerInvokeRole', 'Arn'] });
      expect(JSON.stringify(passRoles[0]?.statement.Condition)).toContain('scheduler.amazonaws.com');
      expect(JSON.stringify(passRoles[1]?.statement.Resource)).toContain(':role/eksflow-dev-us-east-1-eks-cluster');
      expect(JSON.stringify(passRoles[2]?.statement.Resource)).toContain(':role/eksflow-dev-us-east-1-eks-node');
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
      // Their logging statements (logs:*LogDelivery, Step Functions logging) aside.
      const machineRoles = policyStatements(template).filter(
        (s) => /StateMachineRole$/.test(s.role) && [s.statement.Action].flat().includes('lambda:InvokeFunction'),
      );

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

  describe('stack safety (issue 15, item 6)', () => {
    const functionNamed = (name: string) =>
      ofType('AWS::Lambda::Function').find((f) => f.Properties.FunctionName === `eksflow-dev-${name}`);

    it('keeps the table when the stack is deleted or the table replaced', () => {
      const table = template.Resources.EksflowTable as any;
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    });

    it('reserves concurrency for the alarm function and every workflow task', () => {
      const tasks = ofType('AWS::Lambda::Function').filter((f) => /functions\/tasks\//.test(f.Properties.Handler));
      expect(tasks.length).toBeGreaterThan(10);
      for (const f of [...tasks, functionNamed('alarmStateChange')])
        expect(f?.Properties.ReservedConcurrentExecutions).toBeGreaterThan(0);
    });

    it('throttles the HTTP API stage', () => {
      expect(template.Resources.HttpApiStage?.Properties.DefaultRouteSettings).toMatchObject({
        ThrottlingBurstLimit: expect.any(Number),
        ThrottlingRateLimit: expect.any(Number),
      });
    });

    it("alarms on every function's errors and throttles, each dead-letter queue, and failed executions", () => {
      const alarms = ofType('AWS::CloudWatch::Alarm').map((a) => a.Properties);
      const watched = (metric: string) =>
        alarms.filter((a) => a.MetricName === metric).map((a) => JSON.stringify(a.Dimensions));
      const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
      for (const [id] of functions) {
        expect(watched('Errors')).toContain(JSON.stringify([{ Name: 'FunctionName', Value: { Ref: id } }]));
        expect(watched('Throttles')).toContain(JSON.stringify([{ Name: 'FunctionName', Value: { Ref: id } }]));
      }
      expect(watched('ApproximateNumberOfMessagesVisible')).toHaveLength(2);
      expect(watched('ExecutionsFailed')).toHaveLength(4);
      for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: 'OperatorAlarmTopic' }]);
    });

    it("logs every state machine's failures", () => {
      for (const machine of ofType('AWS::StepFunctions::StateMachine'))
        expect(machine.Properties.LoggingConfiguration).toMatchObject({
          Level: 'ERROR',
          Destinations: [expect.anything()],
        });
    });

    it("keeps schedules in eksflow's own group, with a dead-letter queue and a retry policy for their targets", () => {
      const group = ofType('AWS::Scheduler::ScheduleGroup')[0]?.Properties;
      const env = functionNamed('api')?.Properties.Environment.Variables;
      expect(group?.Name).toBe('eksflow-dev');
      expect(env.EKSFLOW_SCHEDULER_GROUP).toBe('eksflow-dev');
      expect(env.EKSFLOW_SCHEDULER_DLQ_ARN).toEqual({ 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] });
      const manage = policyStatements(template).find((s) => s.statement.Sid === 'ManageSchedules');
      expect(JSON.stringify(manage?.statement.Resource)).toContain(':schedule/eksflow-dev/*');
    });

    it('creates the cluster and node roles when no existing ones are named', () => {
      expect((template.Resources.EksClusterRole as any).Condition).toBe('CreateClusterRole');
      expect((template.Resources.EksNodeRole as any).Condition).toBe('CreateNodeRole');
      expect(template.Resources.EksClusterRole?.Properties.RoleName).toBe('eksflow-dev-us-east-1-eks-cluster');
    });

    it('runs the functions that call a Kubernetes API in the VPC, with their network interfaces allowed', () => {
      const inVpc = ofType('AWS::Lambda::Function')
        .filter((f) => f.Properties.VpcConfig)
        .map((f) => String(f.Properties.FunctionName).replace('eksflow-dev-', ''));
      expect(inVpc.sort()).toEqual([...KUBERNETES_CALLERS].sort());
      for (const name of KUBERNETES_CALLERS) {
        const fn = functionNamed(name);
        expect(fn?.Properties.VpcConfig).toEqual({
          SecurityGroupIds: [{ Ref: 'FunctionsSecurityGroup' }],
          SubnetIds: { 'Fn::Split': [',', DEPLOY_PARAMETERS.EKSFLOW_SUBNET_IDS] },
        });
        const role = template.Resources[fn?.Properties.Role['Fn::GetAtt'][0]];
        expect(role?.Properties.ManagedPolicyArns).toEqual([{ Ref: 'FunctionsVpcAccessPolicy' }]);
      }
      const eni = JSON.stringify(
        defined(template.Resources.FunctionsVpcAccessPolicy, 'template.Resources.FunctionsVpcAccessPolicy').Properties
          .PolicyDocument,
      );
      expect(eni).toContain('ec2:CreateNetworkInterface');
      expect(eni).toContain(`:vpc/${DEPLOY_PARAMETERS.EKSFLOW_VPC_ID}`);
    });

    it("opens the API of a cluster eksflow creates to the functions' security group on 443", () => {
      const ingress = defined(template.Resources.ClusterApiSecurityGroup, 'template.Resources.ClusterApiSecurityGroup')
        .Properties.SecurityGroupIngress;
      expect(ingress).toEqual([
        expect.objectContaining({
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: { Ref: 'FunctionsSecurityGroup' },
        }),
      ]);
      const env = functionNamed('provisionRequestControlPlane')?.Properties.Environment.Variables;
      expect(env.EKSFLOW_CLUSTER_SECURITY_GROUP_IDS).toEqual({ Ref: 'ClusterApiSecurityGroup' });
    });
  });
});
