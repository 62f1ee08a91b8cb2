/**
 * A fault-injecting HTTP proxy for the chaos tests: it sits on 127.0.0.1 in front of the AWS emulator
 * (plain HTTP) or the kube-apiserver (HTTPS, verified with the control plane's CA), forwards every
 * request, and at a set, seeded rate answers with throttling, a 5xx or a 409 instead, delays it, or
 * drops the connection before or after the server has applied it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FAULT_KINDS, type FaultKind, FaultPlan, type FaultSettings, type RequestFacts } from './faults';
import {
  awsProtocolOf,
  awsServerError,
  awsThrottle,
  type CannedResponse,
  kubeConflict,
  kubeServerError,
  kubeThrottle,
} from './responses';

export type UpstreamKind = 'aws' | 'kube';

export interface FaultProxyOptions {
  /** `http://127.0.0.1:port` (the emulator) or `https://127.0.0.1:port` (the apiserver). */
  upstream: string;
  kind: UpstreamKind;
  /** PEM of the CA that signed an HTTPS upstream's certificate (the control plane's `caData`, decoded). */
  ca?: string;
  faults?: FaultSettings;
  /** Only requests this accepts can get a fault (e.g. only writes); the rest always pass. */
  only?: (request: RequestFacts) => boolean;
  port?: number;
}

export interface FaultStats {
  requests: number;
  forwarded: number;
  faults: Record<FaultKind, number>;
}

export interface FaultProxy {
  /** `http://127.0.0.1:port`: give it to the client in place of the upstream. */
  url: string;
  setFaults(settings: FaultSettings, only?: (request: RequestFacts) => boolean): void;
  /** Forward everything untouched until `resume()` (e.g. while a test reads its results). */
  pause(): void;
  resume(): void;
  stats(): FaultStats;
  resetStats(): void;
  close(): Promise<void>;
}

/** Requests that stream (watches, logs) are passed through: a fault there tests nothing we use. */
const STREAMING = /[?&](watch=(true|1)|follow=true)/;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const secure = upstream.protocol === 'https:';
  // Keep-alive both ways, as the SDK and client-node do: the proxy's own cost stays a few hundred µs.
  const agent = secure
    ? new https.Agent({ keepAlive: true, ca: options.ca, maxSockets: 64 })
    : new http.Agent({ keepAlive: true, maxSockets: 64 });
  const plan = new FaultPlan(options.faults ?? { rate: 0 });
  let only = options.only;
  let paused = false;
  let stats = emptyStats();

  const forward = (req: IncomingMessage, onResponse: (response: IncomingMessage) => void, onError: () => void) => {
    const outgoing = (secure ? https : http).request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      onResponse,
    );
    outgoing.on('error', onError);
    req.pipe(outgoing);
    stats.forwarded++;
  };

  const cannedFor = (kind: FaultKind, req: IncomingMessage): CannedResponse => {
    const status = plan.draw() < 0.5 ? 500 : 503;
    if (options.kind === 'aws') {
      const protocol = awsProtocolOf(req.headers);
      return kind === 'throttle' ? awsThrottle(protocol) : awsServerError(protocol, status);
    }
    if (kind === 'throttle') return kubeThrottle();
    if (kind === 'conflict') return kubeConflict(req.url ?? '/');
    return kubeServerError(status);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const facts: RequestFacts = { method: req.method ?? 'GET', path: req.url ?? '/', operation: operationOf(req) };
    const eligible = !paused && !STREAMING.test(facts.path) && (only?.(facts) ?? true);
    const fault = eligible ? plan.next(facts, options.kind) : undefined;
    if (fault) stats.faults[fault]++;
    const failUpstream = () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('fault proxy: upstream unreachable');
    };

    switch (fault) {
      case 'dropBefore':
        req.socket.destroy();
        return;
      case 'throttle':
      case 'error5xx':
      case 'conflict': {
        const canned = cannedFor(fault, req);
        req.resume(); // read the body away so the client is not left writing into a closed request
        req.on('end', () => {
          res.writeHead(canned.status, { ...canned.headers, 'content-length': Buffer.byteLength(canned.body) });
          res.end(canned.body);
        });
        return;
      }
      case 'dropAfter':
        forward(
          req,
          (response) => {
            // The server has answered (so applied the request): read the answer, then hang up on the client.
            response.resume();
            response.on('end', () => req.socket.destroy());
          },
          () => req.socket.destroy(),
        );
        return;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, plan.current.slowMs));
        break;
      default:
        break;
    }
    forward(
      req,
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
      failUpstream,
    );
  };

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setFaults: (settings, filter) => {
      plan.set(settings);
      only = filter;
    },
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

/** `DynamoDB_20120810.PutItem` for the JSON AWS protocols, else `METHOD /path` (EKS, Kubernetes). */
function operationOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target;
  return `${req.method} ${(req.url ?? '/').split('?')[0]}`;
}

function emptyStats(): FaultStats {
  return {
    requests: 0,
    forwarded: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  };
}
