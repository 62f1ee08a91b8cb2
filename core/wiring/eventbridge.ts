import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import type { Container } from './container';
import { logger, port, type WiringContext } from './context';

export const eventPublisher = (ctx: WiringContext): Container['events'] =>
  port(
    ctx,
    'events',
    () => new EventBridgePublisher(ctx.config.eventBusName, new EventBridgeClient(ctx.aws), logger(ctx)),
  );
