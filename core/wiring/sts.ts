import { StsCallerIdentity } from '../adapters/aws/sts-caller-identity';
import type { Container } from './container';
import { port, type WiringContext } from './context';

/** `eksflow doctor`'s "who am I" (the STS client is required on the first call). */
export const callerIdentity = (ctx: WiringContext): Container['identity'] =>
  port(ctx, 'identity', () => new StsCallerIdentity(ctx.aws));
