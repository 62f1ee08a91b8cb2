import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmStates } from '../adapters/aws/cloudwatch-alarm-states';
import { CloudWatchMetricData } from '../adapters/aws/cloudwatch-metric-data';
import type { Container } from './container';
import { port, type WiringContext } from './context';

/** One CloudWatch client per function, for its alarm reads and its metric reads. */
const cloudwatchClient = (ctx: WiringContext) => ctx.once('cloudwatch', () => new CloudWatchClient(ctx.aws));

export const alarmStates = (ctx: WiringContext): Container['alarms'] =>
  port(ctx, 'alarms', () => new CloudWatchAlarmStates(cloudwatchClient(ctx)));

export const metricData = (ctx: WiringContext): Container['metricData'] =>
  port(ctx, 'metricData', () => new CloudWatchMetricData(cloudwatchClient(ctx)));
