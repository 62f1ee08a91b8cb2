// The stack's own CloudWatch alarms, resolved by `${file(deploy/alarms.cjs):resources}` when packaging: one
// Errors and one Throttles alarm per function (listed from the function table, so a new function is never
// forgotten), the depth of each dead-letter queue, all notifying OperatorAlarmTopic (EKSFLOW_ALARM_EMAIL
// subscribes an address). The state machines' ExecutionsFailed alarms come from serverless.yml's
// stepFunctions `alarms`. These alarms guard nothing of eksflow's: the alarm function finds no rollout or
// policy bound to them and does nothing.
'use strict';

const functionTable = require('./function-table.cjs');

/** serverless's logical id of a function: `scaleApply` → `ScaleApplyLambdaFunction`. */
const functionLogicalId = (name) => `${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`;

/** Five minutes: a function failing or throttled for one period alarms; one bad minute of a long run does. */
const PERIOD_SECONDS = 300;

function alarm(description, namespace, metric, dimensions, statistic = 'Sum') {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dimensions,
      Statistic: statistic,
      Period: PERIOD_SECONDS,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'OperatorAlarmTopic' }],
    },
  };
}

function stackAlarms(env = process.env) {
  const Resources = {
    OperatorAlarmTopic: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        DisplayName: 'eksflow operator alarms',
        ...(env.EKSFLOW_ALARM_EMAIL
          ? { Subscription: [{ Protocol: 'email', Endpoint: env.EKSFLOW_ALARM_EMAIL }] }
          : {}),
      },
    },
  };
  for (const name of functionTable.names()) {
    const fn = { Name: 'FunctionName', Value: { Ref: functionLogicalId(name) } };
    const id = functionLogicalId(name).replace(/LambdaFunction$/, '');
    Resources[`${id}ErrorsAlarm`] = alarm(`eksflow ${name}: invocations failed`, 'AWS/Lambda', 'Errors', [fn]);
    Resources[`${id}ThrottlesAlarm`] = alarm(`eksflow ${name}: invocations throttled`, 'AWS/Lambda', 'Throttles', [fn]);
  }
  for (const queue of ['AlarmEventsDeadLetterQueue', 'ScheduleDeadLetterQueue']) {
    Resources[`${queue}DepthAlarm`] = alarm(
      `eksflow ${queue}: events kept for a person (redrive or inspect)`,
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      'Maximum',
    );
  }
  return { Resources };
}

module.exports = { resources: () => stackAlarms(), stackAlarms };
