import type { Container } from './container';
import { port, type WiringContext } from './context';

/** Who may do what where: loaded and validated on the first call, then kept. */
export const accessPolicy = (ctx: WiringContext): Container['accessPolicy'] =>
  port(ctx, 'accessPolicy', () => {
    let loaded: { policy: ReturnType<Container['accessPolicy']> } | undefined;
    return () => {
      loaded ??= { policy: accessPolicyFile().loadAccessPolicy(ctx.config) };
      return loaded.policy;
    };
  });

/**
 * The access policy's loader (yaml and its zod schema), required on first use: only the API reads the policy,
 * and the task and event functions should not parse that code at every cold start. In the packaged bundles
 * it is a file of its own beside the bundle (deploy/esbuild/plugins.cjs).
 */
function accessPolicyFile(): typeof import('../adapters/fs/access-policy-file') {
  return require('../adapters/fs/access-policy-file');
}
