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
      'GET /clusters',
      'GET /clusters/{name}',
      'GET /health',
      'GET /operations/{id}',
      'GET /rollouts',
      'GET /rollouts/{id}',
      'POST /clusters',
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

  describe('minified bundles, without the parts of dependencies eksflow never runs (issue 8, item 8)', () => {
    /** Unzips one function's package and runs `script` in a fresh Node beside its bundle; returns stdout. */
    async function runBeside(zipName: string, script: string, env: Record<string, string> = {}): Promise<string> {
      const dir = mkdtempSync(path.join(os.tmpdir(), `eksflow-bundle-${zipName}-`));
      try {
        await promisify(execFile)('unzip', ['-q', path.join(outDir, `${zipName}.zip`), '-d', dir]);
        const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
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
        return stdout;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

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

  describe('least privilege (issue 8, item 4)', () => {
    it('gives every function a role of its own, shared with no other function', () => {
      expect(functionsWithoutOwnRole(template)).toEqual([]);
      expect(sharedRoles(template)).toEqual([]);
    });

    it('has no wildcard action in any statement', () => {
      expect(policyStatements(template).length).toBeGreaterThan(0);
      expect(wildcardActions(template)).toEqual([]);
    });

    it('passes only the configured cluster and node roles, only to EKS, and only from the functions that create them', () => {
      // Prepare
      const passRoles = policyStatements(template).filter((s) => [s.statement.Action].flat().includes('iam:PassRole'));

      // Assess
      expect(unboundedPassRoles(template)).toEqual([]);
      expect(passRoles.map((s) => s.role)).toEqual([
        'ProvisionRequestControlPlaneRole',
        'ProvisionEnsureComponentRole',
      ]);
      expect(JSON.stringify(passRoles[0].statement.Resource)).toContain(':role/eksflow-dev-eks-cluster');
      expect(JSON.stringify(passRoles[1].statement.Resource)).toContain(':role/eksflow-dev-eks-node');
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
          /:(stateMachine|execution):eksflow-dev-(rollout|provision-cluster|delete-cluster)/,
        );
    });

    it('lets each state machine invoke only its own task functions', () => {
      // Prepare
      const machineRoles = policyStatements(template).filter((s) => /StateMachineRole$/.test(s.role));

      // Assess
      expect(machineRoles.length).toBe(3);
      for (const s of machineRoles) {
        expect([s.statement.Action].flat()).toEqual(['lambda:InvokeFunction']);
        const prefix = ['Rollout', 'DeleteCluster'].find((p) => s.role.startsWith(p)) ?? 'Provision';
        expect(
          JSON.stringify(s.statement.Resource)
            .match(/"(\w+)LambdaFunction"/g)
            ?.every((f) => f.startsWith(`"${prefix}`)),
        ).toBe(true);
      }
    });
  });
});
