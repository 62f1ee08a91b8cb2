import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../core/config';
import {
  type Authorize,
  invokeAuthorization,
  ruleInvocations,
  type ScheduleTarget,
  schedulerInvocations,
} from '../tools/aws-gate/invocations';
import {
  type CfnTemplate,
  eventRules,
  type FunctionRole,
  functionResourcePolicies,
  type PackagedRule,
  rolesByArn,
  type SandboxResolution,
} from '../tools/aws-gate/packaged-roles';
import { matchesPattern } from './event-pattern';
import { scheduledEvent } from './scheduler';

/**
 * What EventBridge and EventBridge Scheduler do in the sandbox, from the packaged template: a rule whose pattern
 * matches (or whose rate comes) invokes its Lambda targets as `events.amazonaws.com`, if the function's resource
 * policy (`AWS::Lambda::Permission`) allows that rule; a schedule's occurrence invokes its target as the schedule's
 * role, if that role allows `lambda:InvokeFunction` on it. The gate decides both (and logs a refusal). A refused
 * invocation is not retried (AWS does not retry a permission error) and goes to the target's dead-letter queue when
 * it names one, with the error attributes AWS writes.
 */
export interface ServiceTargetsOptions {
  template: CfnTemplate;
  resolution: SandboxResolution;
  config: Pick<Config, 'region' | 'schedulerTarget'>;
  /** The packaged functions (their ARNs; the scheduler target their environment names). */
  roles: FunctionRole[];
  authorize: Authorize;
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  /** Where dead letters are written (the emulator: the queue is AWS's own doing, not a caller's call). */
  deadLetters: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  onRefusal?: (message: string) => void;
}

export interface ServiceTargets {
  /** Routes an event to every target of every rule it matches; a refused target's result is `{refused}`. */
  deliverEvent(event: Record<string, unknown>): Promise<{ matched: string[]; results: unknown[] }>;
  /** The rate rules' targets, for the sandbox's timers. */
  rateRules: { functionName: string; expression: string }[];
  /** The rate rule that invokes `functionName` fires now (throws what EventBridge refused). */
  fireRateRule(functionName: string): Promise<unknown>;
  /** A schedule's occurrence: Scheduler invokes the schedule's target with `input` (throws what it refused). */
  fireSchedule(input: Record<string, unknown>): Promise<unknown>;
}

export function serviceTargets(options: ServiceTargetsOptions): ServiceTargets {
  const rules = eventRules(options.template, options.resolution);
  const asRule = ruleInvocations(functionResourcePolicies(options.template, options.resolution), options.authorize);
  const asScheduler = schedulerInvocations(rolesByArn(options.template, options.resolution), options.authorize);
  const scheduleTarget = options.config.schedulerTarget ?? packagedScheduleTarget(options.roles);
  const functionNames = new Map(options.roles.map((r) => [r.functionArn, r.functionName]));
  const deadLetter = deadLetterWriter(options.deadLetters);

  const invokeAsRule = async (rule: PackagedRule, target: PackagedRule['targets'][number], event: unknown) => {
    const decision = await asRule(rule, target.functionArn);
    if (decision.allowed) return options.invoke(target.functionName, event);
    options.onRefusal?.(decision.message);
    await deadLetter(target.deadLetterArn, event, {
      RULE_ARN: rule.ruleArn,
      TARGET_ARN: target.functionArn,
      ERROR_CODE: 'NO_PERMISSIONS',
      ERROR_MESSAGE: decision.message,
    });
    return { refused: decision.message };
  };

  const rateRules = rules.filter((r) => r.scheduleExpression);
  return {
    deliverEvent: async (event) => {
      const matched = rules
        .filter((r) => r.eventPattern && matchesPattern(r.eventPattern, event))
        .flatMap((rule) => rule.targets.map((target) => ({ rule, target })));
      const results = await Promise.all(matched.map(({ rule, target }) => invokeAsRule(rule, target, event)));
      return { matched: matched.map(({ target }) => target.functionName), results };
    },
    rateRules: rateRules.flatMap((r) =>
      r.targets.map((t) => ({ functionName: t.functionName, expression: String(r.scheduleExpression) })),
    ),
    fireRateRule: async (functionName) => {
      const rule = rateRules.find((r) => r.targets.some((t) => t.functionName === functionName));
      const target = rule?.targets.find((t) => t.functionName === functionName);
      if (!rule || !target) throw new Error(`no rate rule of the packaged template invokes ${functionName}`);
      const outcome = await invokeAsRule(rule, target, scheduledEvent(options.config.region, ruleName(rule)));
      if (isRefusal(outcome)) throw new Error(outcome.refused);
      return outcome;
    },
    fireSchedule: async (input) => {
      const functionName = functionNames.get(scheduleTarget.functionArn);
      const decision = await asScheduler(scheduleTarget.roleArn, invokeAuthorization(scheduleTarget.functionArn));
      if (decision.allowed && functionName) return options.invoke(functionName, input);
      const message = decision.allowed
        ? `the schedule's target ${scheduleTarget.functionArn} is no function of the packaged template`
        : decision.message;
      options.onRefusal?.(message);
      // Scheduler writes the dead letter with the schedule's role too: only if that role may send to the queue.
      if (
        scheduleTarget.deadLetterArn &&
        (
          await asScheduler(scheduleTarget.roleArn, {
            action: 'sqs:SendMessage',
            resource: scheduleTarget.deadLetterArn,
          })
        ).allowed
      )
        await deadLetter(scheduleTarget.deadLetterArn, input, {
          ERROR_CODE: decision.allowed ? 'ResourceNotFoundException' : 'AccessDeniedException',
          ERROR_MESSAGE: message,
          TARGET_ARN: scheduleTarget.functionArn,
        });
      throw Object.assign(new Error(message), { name: 'AccessDeniedException' });
    },
  };
}

/** What the packaged function that deploys schedules (the API) writes into each: its EKSFLOW_SCHEDULER_* settings. */
function packagedScheduleTarget(roles: FunctionRole[]): ScheduleTarget {
  const env = roles.find((r) => r.environment.EKSFLOW_SCHEDULER_ROLE_ARN)?.environment;
  if (!env?.EKSFLOW_SCHEDULER_TARGET_ARN || !env.EKSFLOW_SCHEDULER_ROLE_ARN)
    throw new Error('the packaged template: no function names EKSFLOW_SCHEDULER_ROLE_ARN and _TARGET_ARN');
  return {
    functionArn: env.EKSFLOW_SCHEDULER_TARGET_ARN,
    roleArn: env.EKSFLOW_SCHEDULER_ROLE_ARN,
    deadLetterArn: env.EKSFLOW_SCHEDULER_DLQ_ARN || undefined,
  };
}

const ruleName = (rule: Pick<PackagedRule, 'ruleArn'>) => rule.ruleArn.split('/').pop() ?? rule.ruleArn;

function isRefusal(outcome: unknown): outcome is { refused: string } {
  return typeof outcome === 'object' && outcome !== null && 'refused' in outcome;
}

/**
 * Sends an undeliverable event to a dead-letter queue (by ARN) with the error as message attributes, as EventBridge
 * and Scheduler do. The queue is the stack's: made on the emulator when missing (the sandbox deploys no stack).
 */
function deadLetterWriter(aws: ServiceTargetsOptions['deadLetters']) {
  return async (queueArn: string | undefined, body: unknown, attributes: Record<string, string>) => {
    if (!queueArn) return;
    const sqs = new SQSClient(aws);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueArn.split(':').pop() }));
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify(body),
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      );
    } finally {
      sqs.destroy();
    }
  };
}
