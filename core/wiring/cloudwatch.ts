import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmStates } from '../adapters/aws/cloudwatch-alarm-states';
import type { Container } from './container';
import { port, type WiringContext } from './context';

export const alarmStates = (ctx: WiringContext): Container['alarms'] =>
  port(ctx, 'alarms', () => new CloudWatchAlarmStates(new CloudWatchClient(ctx.aws)));
