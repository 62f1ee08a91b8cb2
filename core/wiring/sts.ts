import type { Container } from './container';
import { port, type WiringContext } from './context';

/**
 * `eksflow doctor`'s "who am I". The adapter and its STS client are required on the first call: only doctor
 * asks, and the API should not parse that code at every cold start. In the packaged bundles the adapter is a
 * file of its own beside the bundle (deploy/esbuild/plugins.cjs).
 */
export const callerIdentity = (ctx: WiringContext): Container['identity'] =>
  port(ctx, 'identity', () => {
    const { StsCallerIdentity } =
      require('../adapters/aws/sts-caller-identity') as typeof import('../adapters/aws/sts-caller-identity');
    return new StsCallerIdentity(ctx.aws);
  });
