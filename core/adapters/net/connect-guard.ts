import type { Agent } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a connection to a cluster's API endpoint may take to open (TCP and TLS). Why: a handshake inside
 * the region takes well under 100 ms, while a connection a security group or a private endpoint drops gets
 * no answer at all, only silence; 5 s tells the two apart and leaves room for retries in a Lambda's 30 s.
 */
export const CONNECT_TIMEOUT_MS = 5000;

/** A connect that did not complete in time: `ETIMEDOUT`, as Node names it, and naming the endpoint. */
export class ConnectTimeoutError extends Error {
  override readonly name = 'ConnectTimeoutError';
  readonly code = 'ETIMEDOUT';
}

export interface ConnectOptions {
  timeoutMs: number;
  /** `host:port` to open instead of the endpoint (the sandbox's network model); the TLS name stays the endpoint's. */
  via?: string;
}

/**
 * Makes every connection `agent` opens fail after `timeoutMs` unless it is established (a TLS handshake
 * done, or the TCP connect for plain HTTP), with an error naming the endpoint; and opens it at `via` when set.
 */
export function guardConnections(agent: Agent, options: ConnectOptions): void {
  // Node's Agent calls `createConnection(options, callback)` for every socket it opens (http and https alike).
  const agentWithCreate = agent as unknown as {
    createConnection: (opts: Record<string, unknown>, callback?: unknown) => Socket;
  };
  const open = agentWithCreate.createConnection.bind(agent);
  agentWithCreate.createConnection = (opts, callback) => {
    const endpoint = `${opts.host}:${opts.port}`;
    const socket = open({ ...opts, ...(options.via ? viaOptions(opts, options.via) : {}) }, callback);
    return withConnectTimeout(socket, endpoint, options.timeoutMs);
  };
}

/** Destroys `socket` with a ConnectTimeoutError naming `endpoint` unless it connects within `timeoutMs`. */
export function withConnectTimeout<T extends Socket>(socket: T, endpoint: string, timeoutMs: number): T {
  const timer = setTimeout(
    () => socket.destroy(new ConnectTimeoutError(`connect to ${endpoint} timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  const established = () => clearTimeout(timer);
  socket.once('secureConnect', established);
  // Plain HTTP (a test's fault proxy) has no handshake: the TCP connect is the whole of it.
  if (!('encrypted' in socket)) socket.once('connect', established);
  socket.once('close', established);
  return socket;
}

/** The endpoint's host and port as a `via` connection dials them: the TLS server name stays the endpoint's. */
function viaOptions(opts: Record<string, unknown>, via: string): Record<string, unknown> {
  const { hostname, port } = new URL(`tcp://${via}`);
  return { host: hostname, port: Number(port), servername: opts.servername ?? serverNameOf(String(opts.host)) };
}

/** SNI carries host names only (never an IP address). */
export function serverNameOf(host: string): string | undefined {
  return /^[\d.]+$/.test(host) || host.includes(':') ? undefined : host;
}
