import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnWorkflowStarter } from '../adapters/aws/sfn-workflow-starter';
import type { Container } from './container';
import { port, type WiringContext } from './context';

export const workflowStarter = (ctx: WiringContext): Container['workflows'] =>
  port(ctx, 'workflows', () => new SfnWorkflowStarter(ctx.config.stateMachineArnPrefix, new SFNClient(ctx.aws)));
