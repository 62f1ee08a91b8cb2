import tls from 'node:tls';
import type { EndpointReach } from '../../health/ports/doctor';
import type { NetworkPath } from '../../kernel/ports/network';
import { CONNECT_TIMEOUT_MS, serverNameOf, withConnectTimeout } from './connect-guard';

/**
 * A TCP connect and a TLS handshake to a cluster's endpoint, verified against the cluster's CA when given:
 * the path the Kubernetes client takes, with the same connect timeout, without sending a request.
 */
export class TlsEndpointReach implements EndpointReach {
  constructor(
    private readonly timeoutMs = CONNECT_TIMEOUT_MS,
    private readonly network?: NetworkPath,
  ) {}

  async reach(cluster: string, endpoint: string, caData?: string): Promise<void> {
    const url = new URL(endpoint);
    const port = Number(url.port || 443);
    const via = await this.network?.connectVia(cluster, endpoint);
    const target = via ? new URL(`tcp://${via}`) : undefined;
    await new Promise<void>((resolve, reject) => {
      const socket = tls.connect({
        host: target?.hostname ?? url.hostname,
        port: target ? Number(target.port) : port,
        servername: serverNameOf(url.hostname),
        ...(caData ? { ca: Buffer.from(caData, 'base64').toString('utf8') } : { rejectUnauthorized: false }),
      });
      withConnectTimeout(socket, `${url.hostname}:${port}`, this.timeoutMs);
      socket.once('secureConnect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', (error) => {
        socket.destroy();
        reject(error);
      });
    });
  }
}
