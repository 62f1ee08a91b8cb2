import { CONNECT_TIMEOUT_MS } from '../adapters/net/connect-guard';
import { TlsEndpointReach } from '../adapters/net/tls-reach';
import type { Container } from './container';
import { port, type WiringContext } from './context';

/** How connections to clusters are opened: the configured timeout, through the sandbox's modelled VPC if any. */
export const network = (ctx: WiringContext) => ({
  connectTimeoutMs: ctx.config.kubeConnectTimeoutMs ?? CONNECT_TIMEOUT_MS,
  path: ctx.overrides.network,
});

export const endpointReach = (ctx: WiringContext): Container['reach'] =>
  port(ctx, 'reach', () => {
    const { connectTimeoutMs, path } = network(ctx);
    return new TlsEndpointReach(connectTimeoutMs, path);
  });
