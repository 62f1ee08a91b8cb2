import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

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
      'GET /health',
      'GET /operations/{id}',
      'GET /rollouts',
      'GET /rollouts/{id}',
      'POST /clusters',
      'POST /rollouts',
      'POST /rollouts/{id}/abort',
      'POST /rollouts/{id}/promote',
    ]);
  });

  it('authorizes every route but GET /health with AWS IAM (SigV4)', () => {
    // Prepare
    const routes = ofType('AWS::ApiGatewayV2::Route').map((r) => r.Properties);

    // Act
    const byAuthorization = Object.fromEntries(routes.map((p) => [p.RouteKey, p.AuthorizationType ?? 'NONE']));

    // Assess
    expect(byAuthorization['GET /health']).toBe('NONE');
    const others = Object.entries(byAuthorization).filter(([key]) => key !== 'GET /health');
    expect(others.length).toBe(routes.length - 1);
    for (const [key, type] of others) expect({ key, type }).toEqual({ key, type: 'AWS_IAM' });
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
    const role = ofType('AWS::IAM::Role')[0];
    const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
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
    // Least privilege: the role may send to this queue only; EventBridge only for the alarm rule.
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
});
