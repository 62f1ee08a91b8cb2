import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { REPO_ROOT } from '../../local/runtime';
import { type CfnTemplate, eventRules, packagedTemplate } from '../../tools/aws-gate/packaged-roles';
import { alarmStateChange } from '../helpers/chaos-events';
import { defined } from '../helpers/defined';
import { createNodegroup, type NodegroupFixture } from '../helpers/nodegroups';
import {
  api,
  awsClientConfig,
  eventually,
  startTestRuntime,
  type TestRuntime,
  testStack,
  uniqueName,
} from '../helpers/stack';

/**
 * Issue 15: Scheduler targets and EventBridge rule targets are invoked as AWS authorizes them — a schedule as its
 * `RoleArn`, a rule through the function's `AWS::Lambda::Permission` for it — proven by mutating a copy of the
 * packaged template: the Scheduler role without its invoke statement, the functions without their permissions.
 */
describe('services invoke their targets as their own role', () => {
  let packaged: TestRuntime;
  let mutated: TestRuntime;
  let alarmDeadLetters: string;
  const SCHEDULER_ROLE = 'eksflow-dev-us-east-1-scheduler';

  /** The packaged template without the Scheduler role's invoke grant and without the rules' Lambda permissions. */
  const withoutInvokeGrants = (template: CfnTemplate): CfnTemplate => {
    const role = defined(template.Resources.SchedulerInvokeRole, 'template.Resources.SchedulerInvokeRole').Properties;
    for (const policy of role.Policies)
      policy.PolicyDocument.Statement = policy.PolicyDocument.Statement.filter(
        (s: { Action: unknown }) => ![s.Action].flat().includes('lambda:InvokeFunction'),
      );
    for (const [id, resource] of Object.entries(template.Resources))
      if (resource.Type === 'AWS::Lambda::Permission' && resource.Properties.Principal === 'events.amazonaws.com')
        delete template.Resources[id];
    return template;
  };

  beforeAll(async () => {
    const alarmRule = eventRules(await packagedTemplate(REPO_ROOT), { region: 'us-east-1' }).find((r) =>
      r.targets.some((t) => t.functionName === 'alarmStateChange'),
    );
    alarmDeadLetters = String(defined(alarmRule?.targets[0], 'alarmRule?.targets[0]').deadLetterArn);
    [packaged, mutated] = await Promise.all([
      startTestRuntime(),
      startTestRuntime({ mutateTemplate: withoutInvokeGrants }),
    ]);
  }, 120000);
  afterAll(async () => {
    await packaged?.close();
    await mutated?.close();
  });

  const gateLog = () =>
    readFileSync(path.join(path.dirname(String(testStack().kubeconfig)), 'aws-gate.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  /** Moves a runtime's sandbox clock an hour on and returns what its tick fired. */
  const nextHour = async (runtime: TestRuntime) => {
    const response = await api(runtime, 'POST', '/_local/clock', { advanceSeconds: 3601 });
    expect(response.status).toBe(200);
    return response.body;
  };
  const hourlySchedule = async (runtime: TestRuntime, ng: NodegroupFixture) => {
    const created = await api(runtime, 'POST', `/clusters/${ng.cluster}/nodegroups/${ng.name}/schedules`, {
      name: 'hourly',
      schedule: 'rate(1 hour)',
      desiredSize: 3,
    });
    expect(created.status).toBe(201);
  };
  const deadLetters = async (queueArn: string, about: string) => {
    const sqs = new SQSClient(awsClientConfig());
    const QueueUrl = `${testStack().emulatorEndpoint}/000000000000/${queueArn.split(':').pop()}`;
    return eventually(`a dead letter about ${about}`, async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      return Messages.find((m) => m.Body?.includes(about));
    });
  };

  it('a schedule fires as its role: the packaged role invokes the target, one without the grant is refused', async () => {
    // Prepare
    const [allowedNg, refusedNg] = await Promise.all([createNodegroup(), createNodegroup()]);
    await hourlySchedule(packaged, allowedNg);
    await hourlySchedule(mutated, refusedNg);

    // Act
    const [allowed, refused] = await Promise.all([nextHour(packaged), nextHour(mutated)]);

    // Assess
    const firing = (tick: { fired: { nodegroup: string; outcome: unknown }[] }, ng: NodegroupFixture) =>
      tick.fired.find((f) => f.nodegroup === ng.name)?.outcome;
    expect(firing(allowed, allowedNg)).toMatchObject({ started: true });
    expect(firing(refused, refusedNg)).toEqual({
      error: expect.stringMatching(
        new RegExp(
          `assumed-role/${SCHEDULER_ROLE}/EventBridgeScheduler is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:eksflow-dev-scheduledScale`,
        ),
      ),
    });
    // The gate logged the refusal as it logs any other; the occurrence is in the schedule's dead-letter queue.
    expect(gateLog()).toContainEqual(
      expect.objectContaining({
        kind: 'AccessDenied',
        action: 'lambda:InvokeFunction',
        caller: `arn:aws:sts::000000000000:assumed-role/${SCHEDULER_ROLE}/EventBridgeScheduler`,
      }),
    );
    const letter = await deadLetters('arn:aws:sqs:us-east-1:000000000000:eksflow-dev-schedule-dlq', refusedNg.name);
    expect(letter.MessageAttributes?.ERROR_CODE?.StringValue).toBe('AccessDeniedException');
    // The rate rule of the scaling sweep without its permission: refused too.
    expect(refused.sweep.error).toMatch(
      /events\.amazonaws\.com is not authorized to perform: lambda:InvokeFunction on resource: \S+eksflow-dev-scalingSweep because no resource-based policy allows/,
    );
    expect(allowed.sweep.error).toBeUndefined();
  });

  it('a rule invokes a function only through its permission for that rule, else the event is a dead letter', async () => {
    // Prepare
    const alarm = uniqueName('guard');
    const event = alarmStateChange(alarm, 'ALARM');

    // Act
    const [allowed, refused] = await Promise.all([packaged.deliverEvent(event), mutated.deliverEvent(event)]);

    // Assess
    expect(allowed.matched).toEqual(['alarmStateChange']);
    expect(allowed.results[0]).not.toHaveProperty('refused');
    expect(refused.matched).toEqual(['alarmStateChange']);
    expect(refused.results).toEqual([
      {
        refused: expect.stringMatching(
          /^events\.amazonaws\.com is not authorized to perform: lambda:InvokeFunction on resource: \S+eksflow-dev-alarmStateChange/,
        ),
      },
    ]);
    const letter = await deadLetters(alarmDeadLetters, alarm);
    expect(letter.MessageAttributes).toMatchObject({
      ERROR_CODE: { StringValue: 'NO_PERMISSIONS' },
      RULE_ARN: { StringValue: 'arn:aws:events:us-east-1:000000000000:rule/eksflow-dev-alarm-state-change' },
    });
  });
});
