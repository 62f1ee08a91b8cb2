import tls from 'node:tls';
import type { EndpointReach } from '../../ports/doctor';

/**
 * How long a connect to a cluster's endpoint may take before it counts as unreachable. Lambda's own network
 * gives no answer at all to a connect that a security group or a private endpoint drops, so the only sign
 * is silence: a few seconds is far above any real handshake and well inside the API's 29 s limit.
 */
export const REACH_TIMEOUT_MS = 3000;

/**
 * A TCP connect and a TLS handshake to the endpoint, verified against the cluster's CA when given: the
 * same path the Kubernetes client takes, without a request. Nothing is sent after the handshake.
 */
export class TlsEndpointReach implements EndpointReach {
  constructor(private readonly timeoutMs = REACH_TIMEOUT_MS) {}

  reach(endpoint: string, caData?: string): Promise<void> {
    const url = new URL(endpoint);
    const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
    return new Promise<void>((resolve, reject) => {
      const socket = tls.connect({
        host: url.hostname,
        port,
        servername: isIp(url.hostname) ? undefined : url.hostname,
        ...(caData ? { ca: Buffer.from(caData, 'base64').toString('utf8') } : { rejectUnauthorized: false }),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.end();
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(error.code ? `${error.code}: ${error.message}` : error.message));
      });
    });
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
